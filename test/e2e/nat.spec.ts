/**
 * Real `edgevpn` daemons across NAT: a public relay R and two hosts A and B, each behind its own
 * router that masquerades and drops unsolicited inbound packets (see `createNatLab`).
 *
 * - Port-restricted cone NAT: A and B reach each other over the VPN through R's relay, then hole
 *   punch a direct path; `/api/peers` says which, ping and a TCP transfer cross the VPN, and the
 *   ledger converges between them.
 * - Relay ACL: a node of another network cannot hold a reservation on R; members can.
 * - Symmetric NAT (`--random-fully`): the punch fails and says why, the VPN works through R.
 *
 * Spawned daemons run the BUILT packages: `npx tsc -b` first.
 */
import { encodeToken, generateNetworkConfig } from '@edgevpn/mesh-core'
import { createNatLab } from '@edgevpn/testbed/lab'
import { LabDaemon, labApiRequest, pingUntilUp, waitFor } from '@edgevpn/testbed/lab/tools'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { e2eUnavailableReason } from './lib/test-mesh.js'
import { transferTcp } from './lib/traffic.js'
import type { NatLab, NatMapping } from '@edgevpn/testbed/lab'

const skipReason = e2eUnavailableReason()
const RELAY_PORT = 4001
const vpnAddress = (index: number): string => `10.77.0.${index + 1}`

interface PeerEntry {
  id: string
  link: string
  path: string
}

/** R (index 0) on the public host, A and B (1, 2) behind the routers, all of one network. */
class NatMesh {
  readonly lab: NatLab
  readonly token = encodeToken(generateNetworkConfig({ interval: 360n }))
  readonly daemons: LabDaemon[] = []
  relayAddress = ''

  constructor (lab: NatLab) {
    this.lab = lab
  }

  async start (): Promise<void> {
    const common = ['--token', this.token, '--mdns=false', '--discovery-interval', '5', '--log-level', 'info', '--api', '--api-listen', '127.0.0.1:8080']
    const relay = new LabDaemon(this.lab, this.lab.public, {
      name: 'relay',
      args: [...common, '--address', `${vpnAddress(0)}/24`, '--listen-maddrs', `/ip4/${this.lab.public.address}/tcp/${RELAY_PORT}`, '--relay-service-acl-refresh', '2s']
    })
    this.daemons.push(relay)
    const started = await relay.waitForLog(record => record.message === 'node started', 60_000)
    this.relayAddress = `/ip4/${this.lab.public.address}/tcp/${RELAY_PORT}/p2p/${String(started.peerId)}`
    for (const [i, host] of this.lab.natted.entries()) {
      this.daemons.push(new LabDaemon(this.lab, host, {
        name: `nat-${i + 1}`,
        args: [...common, '--address', `${vpnAddress(i + 1)}/24`, '--listen-maddrs', '/ip4/0.0.0.0/tcp/0',
          '--discovery-bootstrap-peers', this.relayAddress, '--autorelay-static-peer', this.relayAddress, '--autorelay-static-only']
      }))
    }
    await Promise.all(this.daemons.map(async daemon => await daemon.waitForLog(record => record.message === 'API listening', 60_000)))
  }

  peerId (index: number): string {
    return String(this.daemons[index].logs.find(record => record.message === 'node started')?.peerId)
  }

  /** The peer table entry daemon `from` has for daemon `to`. */
  async peerEntry (from: number, to: number): Promise<PeerEntry | undefined> {
    const response = await labApiRequest(this.lab, this.daemons[from].host, 'GET', '/api/peers')
    const peers = JSON.parse(response.body) as PeerEntry[]
    return peers.find(peer => peer.id === this.peerId(to))
  }
}

describe.skipIf(skipReason !== undefined)(`edgevpn across NAT${skipReason === undefined ? '' : ` (skipped: ${skipReason})`}`, () => {
  describe('port-restricted cone NAT', () => {
    let mesh: NatMesh | undefined

    beforeAll(async () => {
      mesh = new NatMesh(await createNatLab({ prefix: 'evt-n', mapping: 'port-restricted' }))
      await mesh.start()
    }, 120_000)

    afterAll(async () => {
      await mesh?.lab.destroy()
    }, 60_000)

    it('A and B reach each other through the relay first, then on a hole-punched direct path', async () => {
      const { lab, daemons } = mesh!
      const [a, b] = lab.natted
      const started = Date.now()
      const firstPing = await pingUntilUp(lab, a, vpnAddress(2), 120_000)
      console.log(`[e2e nat] first ping A→B after ${Date.now() - started} ms: ${firstPing} ms`)

      const punched = await Promise.race([1, 2].map(async i => await daemons[i].waitForLog(record => record.message === 'hole punch succeeded', 120_000)))
      console.log(`[e2e nat] hole punch succeeded: ${JSON.stringify(punched)}`)
      // relayed before direct, in A's own log (B may log its punch before A logs the new connection)
      await daemons[1].waitForLog(record => record.message === 'peer connected (direct)' && record.peer === mesh!.peerId(2), 30_000)
      const aLogs = daemons[1].logs
      const relayedAt = aLogs.findIndex(record => record.message === 'peer connected (relayed)' && record.peer === mesh!.peerId(2))
      const directAt = aLogs.findIndex(record => record.message === 'peer connected (direct)' && record.peer === mesh!.peerId(2))
      expect(relayedAt).toBeGreaterThanOrEqual(0)
      expect(directAt).toBeGreaterThan(relayedAt)

      const entry = await waitFor('A sees B on a direct path', async () => {
        const found = await mesh!.peerEntry(1, 2)
        return found?.link === 'direct' ? found : undefined
      }, 60_000)
      expect(entry.path).toBe('direct: hole-punched')
      expect(String(entry.path)).not.toContain('relayed')
      const fromB = await waitFor('B sees A on a direct path', async () => {
        const found = await mesh!.peerEntry(2, 1)
        return found?.link === 'direct' ? found : undefined
      }, 60_000)
      expect(fromB.path).toBe('direct: hole-punched')

      expect(await pingUntilUp(lab, b, vpnAddress(1), 30_000)).toBeGreaterThan(0)
      const bytes = 20 * 1024 * 1024
      const transfer = await transferTcp(lab, a, b, vpnAddress(2), 5001, bytes)
      expect(transfer.bytes).toBe(bytes)
      console.log(`[e2e nat] direct path: ${JSON.stringify(entry)}; ${bytes} bytes A→B over the VPN`)
      const moved = daemons.flatMap(daemon => daemon.logs).filter(record => record.message === 'VPN stream moved to a direct connection').length
      console.log(`[e2e nat] VPN streams moved from the relayed to the direct connection: ${moved}`)
    }, 300_000)

    it('the ledger converges between the two NATed hosts', async () => {
      const { lab, daemons } = mesh!
      const put = await labApiRequest(lab, daemons[1].host, 'PUT', '/api/ledger/nat-test/from-a/hello', undefined)
      expect(put.status).toBeLessThan(300)
      const value = await waitFor('B reads what A wrote', async () => {
        const got = await labApiRequest(lab, daemons[2].host, 'GET', '/api/ledger/nat-test/from-a')
        return got.status === 200 && got.body.includes('hello') ? got.body : undefined
      }, 60_000)
      expect(value).toContain('hello')
    }, 90_000)

    it('grants relay reservations to members only', async () => {
      const { lab, daemons } = mesh!
      // A, a member, holds a reservation on R
      await daemons[1].waitForLog(record => record.message === 'relay reservation active' && String(record.address).includes(mesh!.peerId(0)), 60_000)
      // R's member list is the healthcheck bucket: wait until it has the members' heartbeats
      await waitFor('R knows the members', async () => {
        const got = await labApiRequest(lab, daemons[0].host, 'GET', '/api/ledger/healthcheck')
        return got.status === 200 && got.body.includes(mesh!.peerId(1)) ? true : undefined
      }, 60_000)

      const outsider = new LabDaemon(lab, lab.public, {
        name: 'outsider',
        args: ['--token', encodeToken(generateNetworkConfig({ interval: 360n })), '--mdns=false', '--dht=false', '--log-level', 'info',
          '--interface', 'evt-n-x0', '--address', '10.78.0.1/24', '--listen-maddrs', `/ip4/${lab.public.address}/tcp/4002`,
          '--relay-service=false', '--autorelay-static-peer', mesh!.relayAddress]
      })
      daemons.push(outsider)
      const started = await outsider.waitForLog(record => record.message === 'node started', 60_000)
      const refused = await daemons[0].waitForLog(record => record.message === 'relay reservation refused: not a network member' && record.peer === started.peerId, 60_000)
      expect(refused.peer).toBe(started.peerId)
      expect(outsider.logs.some(record => record.message === 'relay reservation active')).toBe(false)
    }, 180_000)
  })

  describe('symmetric NAT', () => {
    let mesh: NatMesh | undefined

    beforeAll(async () => {
      mesh = new NatMesh(await createNatLab({ prefix: 'evt-ns', mapping: 'symmetric' satisfies NatMapping }))
      await mesh.start()
    }, 120_000)

    afterAll(async () => {
      await mesh?.lab.destroy()
    }, 60_000)

    it('the hole punch fails and says why; the VPN works through the relay', async () => {
      const { lab, daemons } = mesh!
      const [a, b] = lab.natted
      const started = Date.now()
      await pingUntilUp(lab, a, vpnAddress(2), 120_000)
      console.log(`[e2e nat] symmetric: first ping A→B after ${Date.now() - started} ms`)
      const failed = await Promise.race([1, 2].map(async i => await daemons[i].waitForLog(record => String(record.message).startsWith('hole punch failed'), 120_000)))
      console.log(`[e2e nat] symmetric: ${failed.message}`)
      expect(failed.message).toContain('symmetric NAT')

      const entry = await waitFor('A reports why B is relayed', async () => {
        const found = await mesh!.peerEntry(1, 2)
        return found?.path.startsWith('relayed: hole punch failed') === true ? found : undefined
      }, 60_000)
      expect(entry.link).toBe('relayed')
      expect(entry.path).toMatch(/^relayed: hole punch failed, symmetric NAT/)

      expect(await pingUntilUp(lab, b, vpnAddress(1), 30_000)).toBeGreaterThan(0)
      const bytes = 5 * 1024 * 1024
      const transfer = await transferTcp(lab, a, b, vpnAddress(2), 5001, bytes)
      expect(transfer.bytes).toBe(bytes)
      console.log(`[e2e nat] symmetric: ${JSON.stringify(entry)}; ${bytes} bytes A→B through the relay`)
    }, 300_000)
  })
})
