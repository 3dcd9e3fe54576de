import { BUCKETS } from '@edgevpn/ledger'
import { compareUtf8, goStruct, decodeStringStructText } from '@edgevpn/go-compat'
import type { Ledger } from '@edgevpn/ledger'
import type { NodeView } from './node-view.js'
import type { Router } from './router.js'
import type { MachineStatus, Peer, PeerEntry, Summary } from '@edgevpn/api-client'
import { ok } from './json-response.js'
import { FILE_FIELDS, MACHINE_FIELDS, SERVICE_FIELDS, USER_FIELDS } from '@edgevpn/api-client'

export interface MeshRoutesComponents {
  ledger: Ledger
  node: NodeView
}

/** A machine counts as online with a heartbeat this recent (Go `/api/machines`). */
const MACHINE_ONLINE_MS = 20 * 60_000
/** `/api/nodes` lists peers with a heartbeat this recent. */
const NODE_ONLINE_MS = 10 * 60_000

// Object literals below list their members in Go's struct field order, which goStruct keeps.

/**
 * What the mesh looks like: the summary, the machines, services, files and users of the
 * ledger, the peers (`/api/nodes`, `/api/peerstore`) and this port's peer table (`/api/peers`).
 */
export function addMeshRoutes (router: Router, { ledger, node }: MeshRoutesComponents): void {
  /** The bucket's values decoded into Go structs, by key order; undecodable values give empty fields, as in Go. */
  const structs = <F extends string>(bucket: string, fields: readonly F[]): Array<Record<F, string>> =>
    liveValues(ledger, bucket).map(text => decodeStringStructText(text, fields).value)

  router
    .add('GET', '/api/summary', async () => {
      const data = ledger.currentData()
      const size = (bucket: string): number => data.get(bucket)?.size ?? 0
      const summary: Summary = {
        Files: size(BUCKETS.files),
        Machines: size(BUCKETS.machines),
        Users: size(BUCKETS.users),
        Services: size(BUCKETS.services),
        BlockChain: ledger.index(),
        OnChainNodes: node.topicPeers().length,
        Peers: (await node.peerstorePeers()).length,
        NodeID: node.peerId
      }
      return ok(goStruct(summary))
    })
    .add('GET', '/api/machines', () => {
      const onChain = new Set(node.topicPeers())
      const connected = new Set(node.connectedPeers())
      const online = new Set(ledger.availableNodes(MACHINE_ONLINE_MS))
      return ok(structs(BUCKETS.machines, MACHINE_FIELDS).map(machine => {
        const status: MachineStatus = {
          ...machine,
          Connected: connected.has(machine.PeerID),
          OnChain: onChain.has(machine.PeerID),
          Online: online.has(machine.PeerID)
        }
        return goStruct(status)
      }))
    })
    .add('GET', '/api/nodes', () => {
      const ids = new Set([...ledger.availableNodes(NODE_ONLINE_MS), ...node.topicPeers()])
      return ok(peerList([...ids], true))
    })
    .add('GET', '/api/peerstore', async () => ok(peerList(await node.peerstorePeers(), false)))
    .add('GET', '/api/peers', () => ok(node.peers()
      .sort((a, b) => compareUtf8(a.id, b.id))
      .map(peer => {
        const entry: PeerEntry = {
          id: peer.id,
          discoveredVia: peer.discoveredVia,
          connected: peer.connected,
          link: peer.link,
          path: peer.path,
          remoteAddr: peer.remoteAddr,
          latencyMs: peer.latencyMs,
          lastError: peer.lastError,
          bytesIn: peer.bytesIn,
          bytesOut: peer.bytesOut,
          firstSeen: peer.firstSeen,
          lastSeen: peer.lastSeen
        }
        return goStruct(entry)
      })))
    .add('GET', '/api/users', () => ok(structs(BUCKETS.users, USER_FIELDS).map(user => goStruct(user))))
    .add('GET', '/api/services', () => ok(structs(BUCKETS.services, SERVICE_FIELDS).map(service => goStruct(service))))
    .add('GET', '/api/files', () => ok(structs(BUCKETS.files, FILE_FIELDS).map(file => goStruct(file))))
}

/** The live Value texts of a bucket, by key in byte order (Go's order is random). */
function liveValues (ledger: Ledger, bucket: string): string[] {
  const values = ledger.currentData().get(bucket) ?? new Map<string, string>()
  return [...values.keys()].sort(compareUtf8).map(key => values.get(key) as string)
}

function peerList (ids: string[], online: boolean): unknown[] {
  return ids.sort(compareUtf8).map(id => {
    const peer: Peer = { ID: id, Online: online }
    return goStruct(peer)
  })
}
