/**
 * Runs a short-lived node and records what every discovery source finds, which peers connect, how
 * far their clocks are from ours and how the node is reachable.
 */
import { networkInterfaces } from 'node:os'
import { setTimeout as sleep } from 'node:timers/promises'
import { ledgerTopic, networkFingerprint } from '@edgevpn/mesh-core'
import { tunUnavailableReason } from '@edgevpn/tun'
import { CODE_IP4, CODE_IP6, CODE_P2P, CODE_P2P_CIRCUIT, multiaddr } from '@multiformats/multiaddr'
import { startEdgeNode } from '../node/edge-node.js'
import { queryPeerClock } from '../node/time-protocol.js'
import { isUsableMember } from './diagnose.js'
import type { BootstrapOutcome, DhtObservation, DoctorObservation, PeerObservation } from './observation.js'
import type { EdgeNode, EdgeNodeInit } from '../node/edge-node.js'
import type { PeerState, RendezvousSearch } from '@edgevpn/mesh-core'
import type { Connection, IdentifyResult, PeerId, PeerInfo } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

export interface DoctorRunInit {
  /**
   * Longest run in ms. It ends earlier once a member with a usable clock is connected and the DHT
   * search (when enabled) has reported.
   */
  timeoutMs: number
  /** Ends the run early (e.g. on SIGINT); what was seen so far is still reported. */
  stopped?: Promise<void>
}

type ClockProbe = Pick<PeerObservation, 'clock' | 'clockError'>

const POLL_MS = 250
/** How long clock readings still in flight may delay the report once the run is over. */
const PROBE_GRACE_MS = 5000

/**
 * Starts a node with `init` (give it {@link throwawayNodeInit}'s options), watches it and stops it.
 *
 * @throws whatever `startEdgeNode` throws for bad options
 */
export async function runDoctor (init: EdgeNodeInit, options: DoctorRunInit): Promise<DoctorObservation> {
  const searches: DhtObservation['searches'] = []
  // Every DHT step gets a share of the run, so a round reports before the run ends.
  const stepMs = Math.max(1000, Math.floor(options.timeoutMs / 4))
  const dht = init.discovery.dht === false
    ? false
    : { ...init.discovery.dht, dialTimeout: stepMs, provideTimeout: stepMs, findTimeout: stepMs, onSearch: ({ rendezvous, ...search }: RendezvousSearch) => { searches.push(search) } }
  const started = Date.now()
  const node = await startEdgeNode({ ...init, discovery: { ...init.discovery, dht } })
  const { libp2p } = node.host
  const mdnsResponders = new Set<string>()
  const observedAddresses = new Set<string>()
  const probes = new Map<string, Promise<ClockProbe>>()
  const settled = new Map<string, ClockProbe>()
  const abort = new AbortController()

  const probe = (peer: PeerId): void => {
    const id = peer.toString()
    if (probes.has(id)) return
    const result = queryPeerClock(libp2p, peer, { network: init.network, clock: init.clock, signal: abort.signal })
      .then((clock): ClockProbe => ({ clock }), (err: unknown): ClockProbe => ({ clockError: err instanceof Error ? err.message : String(err) }))
    probes.set(id, result.then(outcome => { settled.set(id, outcome); return outcome }))
  }
  const onConnection = (event: CustomEvent<Connection>): void => { probe(event.detail.remotePeer) }
  const onIdentify = (event: CustomEvent<IdentifyResult>): void => {
    if (event.detail.observedAddr !== undefined) observedAddresses.add(event.detail.observedAddr.toString())
  }
  const onMdnsPeer = (event: CustomEvent<PeerInfo>): void => {
    if (!event.detail.id.equals(libp2p.peerId)) mdnsResponders.add(event.detail.id.toString())
  }
  libp2p.addEventListener('connection:open', onConnection)
  libp2p.addEventListener('peer:identify', onIdentify)
  libp2p.services.mdns?.addEventListener('peer', onMdnsPeer)

  try {
    for (const connection of libp2p.getConnections()) probe(connection.remotePeer)
    const deadline = started + options.timeoutMs
    let stopped = false
    void options.stopped?.then(() => { stopped = true })
    const usableMemberFound = (): boolean => [...settled].some(([id, outcome]) => isUsableMember(peerObservation(node, id, outcome), init.network))
    while (!stopped && Date.now() < deadline && !(usableMemberFound() && (dht === false || searches.length > 0))) {
      await sleep(POLL_MS)
    }
    // peers that connected before they could be probed, or without a connection:open we saw
    for (const connection of libp2p.getConnections()) probe(connection.remotePeer)
    const grace = setTimeout(() => { abort.abort(new Error('the doctor run ended before the peer answered')) }, PROBE_GRACE_MS)
    await Promise.all(probes.values())
    clearTimeout(grace)

    return {
      durationMs: Date.now() - started,
      fingerprint: networkFingerprint(init.network),
      peerId: libp2p.peerId.toString(),
      addresses: libp2p.getMultiaddrs().map(String),
      observedAddresses: [...observedAddresses],
      relays: relaysOf(libp2p.getMultiaddrs()),
      mdns: { enabled: libp2p.services.mdns !== undefined, responders: [...mdnsResponders] },
      dht: {
        enabled: dht !== false,
        routingTableSize: routingTableSize(libp2p.services.dht),
        bootstrap: node.host.bootstrapPeers.map(peer => bootstrapOutcome(node, peer)),
        searches
      },
      // a bootstrap peer that never connected is reported with the DHT only
      peers: node.peers.list().filter(peer => peer.connected || peer.discoveredVia !== 'bootstrap').map(peer => peerObservation(node, peer.id, settled.get(peer.id) ?? {})),
      tunUnavailable: tunUnavailableReason()
    }
  } finally {
    abort.abort()
    libp2p.removeEventListener('connection:open', onConnection)
    libp2p.removeEventListener('peer:identify', onIdentify)
    libp2p.services.mdns?.removeEventListener('peer', onMdnsPeer)
    await node.stop()
  }
}

function peerObservation (node: EdgeNode, id: string, probe: ClockProbe): PeerObservation {
  const state: PeerState | undefined = node.peers.get(id)
  const subscribers = node.host.libp2p.services.pubsub.getSubscribers(ledgerTopic(node.network))
  return {
    id,
    discoveredVia: state?.discoveredVia ?? 'inbound',
    connected: state?.connected ?? false,
    link: state?.link ?? 'none',
    remoteAddr: state?.remoteAddr,
    lastError: state?.lastError,
    sameHost: state?.remoteAddr !== undefined && isLocalAddress(multiaddr(state.remoteAddr)),
    onLedgerTopic: subscribers.some(peer => peer.toString() === id),
    ...probe
  }
}

function bootstrapOutcome (node: EdgeNode, peer: PeerInfo): BootstrapOutcome {
  const state = node.peers.get(peer.id)
  const connected = node.host.libp2p.getConnections(peer.id).length > 0
  return {
    peer: peer.id.toString(),
    addresses: peer.multiaddrs.map(String),
    connected,
    error: connected ? undefined : state?.lastError,
    dialed: state !== undefined
  }
}

/** The relay of every `/p2p/<relay>/p2p-circuit` address we advertise. */
function relaysOf (addresses: Multiaddr[]): string[] {
  const relays = new Set<string>()
  for (const address of addresses) {
    const components = address.getComponents()
    const circuit = components.findIndex(component => component.code === CODE_P2P_CIRCUIT)
    const relay = components.slice(0, Math.max(circuit, 0)).findLast(component => component.code === CODE_P2P)?.value
    if (relay !== undefined) relays.add(relay)
  }
  return [...relays]
}

/** kad-dht's service type hides its routing table; the implementation has one. */
function routingTableSize (dht: unknown): number | undefined {
  const size = (dht as { routingTable?: { size?: unknown } } | undefined)?.routingTable?.size
  return typeof size === 'number' ? size : undefined
}

function isLocalAddress (address: Multiaddr): boolean {
  const ip = address.getComponents().find(component => component.code === CODE_IP4 || component.code === CODE_IP6)?.value
  if (ip === undefined) return false
  return Object.values(networkInterfaces()).some(addresses => addresses?.some(local => local.address === ip))
}
