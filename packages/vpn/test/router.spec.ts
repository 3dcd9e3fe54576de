import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { Ledger } from '@edgevpn/ledger'
import { formatRfc3339, parseIPv6 } from '@edgevpn/go-compat'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { InboundGate } from '../src/inbound-gate.js'
import { MachineDirectory } from '../src/machine-directory.js'
import { machineValue } from '../src/machine-announce.js'
import { Router } from '../src/router.js'
import { parseStaticPeerTable } from '../src/static-peer-table.js'
import { VpnConfigError } from '../src/vpn-config-error.js'
import { ipv4Udp, ipv6Udp } from './fixtures/ip-packets.js'
import type { RouterInit } from '../src/router.js'
import type { PrivateKey } from '@libp2p/interface'

const payload = Uint8Array.of(1, 2, 3)
let selfKey: PrivateKey
let self: string
let peerB: string
let peerC: string

beforeAll(async () => {
  selfKey = await generateKeyPair('Ed25519')
  self = peerIdFromPrivateKey(selfKey).toString()
  peerB = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
  peerC = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
})

const cleanups: Array<() => void> = []
afterEach(() => { for (const cleanup of cleanups.splice(0)) cleanup() })

async function addMachine (ledger: Ledger, ip: string, peerId: string): Promise<void> {
  await ledger.put('machines', ip, machineValue({ peerId, hostname: 'h', os: 'linux', arch: 'amd64', address: ip, version: '' }))
}

function makeRouter (ledger: Ledger, init: Partial<RouterInit> = {}): { router: Router, machines: MachineDirectory } {
  const machines = new MachineDirectory(ledger)
  const router = new Router({ ledger, machines }, { self, localAddresses: ['10.1.0.1'], ...init })
  cleanups.push(() => { router.close(); machines.close() })
  return { router, machines }
}

/** Routes one packet and gives the peer ID text or the drop reason. */
function routeOf (router: Router, packet: Uint8Array, now = Date.now()): string {
  return String(router.route(packet, 0, packet.length, now))
}

describe('routing by the machines bucket', () => {
  it('sends to the PeerID of machines[dst] and drops unknown destinations', async () => {
    const ledger = new Ledger()
    await addMachine(ledger, '10.1.0.2', peerB)
    const { router } = makeRouter(ledger)
    expect(routeOf(router, ipv4Udp('10.1.0.1', '10.1.0.2', 7, payload))).toBe(peerB)
    expect(routeOf(router, ipv4Udp('10.1.0.1', '10.1.0.3', 7, payload))).toBe('no-route')
    expect(routeOf(router, Uint8Array.of(0x45, 0, 0))).toBe('malformed')
  })

  it('sees ledger changes after a destination was cached', async () => {
    const ledger = new Ledger()
    await addMachine(ledger, '10.1.0.2', peerB)
    const { router } = makeRouter(ledger)
    const packet = ipv4Udp('10.1.0.1', '10.1.0.2', 7, payload)
    expect(routeOf(router, packet)).toBe(peerB)
    await addMachine(ledger, '10.1.0.2', peerC)
    expect(routeOf(router, packet)).toBe(peerC)
    await ledger.delete('machines', '10.1.0.2')
    expect(routeOf(router, packet)).toBe('no-route')
  })

  it('drops entries whose PeerID does not decode or is ourselves', async () => {
    const ledger = new Ledger()
    await ledger.putRaw('machines', '10.1.0.5', '{"PeerID":"not-a-peer"}')
    await ledger.putRaw('machines', '10.1.0.6', '"just a string"')
    await addMachine(ledger, '10.1.0.7', self)
    const { router } = makeRouter(ledger)
    expect(routeOf(router, ipv4Udp('10.1.0.1', '10.1.0.5', 7, payload))).toBe('invalid-peer-id')
    expect(routeOf(router, ipv4Udp('10.1.0.1', '10.1.0.6', 7, payload))).toBe('invalid-peer-id')
    expect(routeOf(router, ipv4Udp('10.1.0.1', '10.1.0.7', 7, payload))).toBe('local-peer')
  })

  it('routes IPv6 by the Go text form of the destination', async () => {
    const ledger = new Ledger()
    await addMachine(ledger, 'fd00::2', peerB)
    const { router } = makeRouter(ledger, { localAddresses: ['10.1.0.1', 'fd00::1'] })
    const packet = ipv6Udp(parseIPv6('fd00::1') as Uint8Array, parseIPv6('fd00:0::2') as Uint8Array, 7, payload)
    expect(routeOf(router, packet)).toBe(peerB)
  })

  it('with ownership on, drops packets to a machine whose owner has no fresh heartbeat', async () => {
    let now = Date.parse('2026-11-22T10:00:00Z')
    const ledger = new Ledger({ mode: 'enforce', signer: selfKey, clock: () => now })
    await addMachine(ledger, '10.1.0.2', peerB)
    const { router } = makeRouter(ledger)
    const packet = ipv4Udp('10.1.0.1', '10.1.0.2', 7, payload)
    expect(routeOf(router, packet, now)).toBe('owner-offline')
    await ledger.put('healthcheck', peerB, formatRfc3339(now))
    expect(routeOf(router, packet, now)).toBe(peerB)
    // the heartbeat ages past the ownership TTL (8 min); the cached verdict expires after 1 s
    now += 9 * 60_000
    expect(routeOf(router, packet, now)).toBe('owner-offline')
  })
})

describe('the --router fallback', () => {
  it('sends our own packets without a machines entry to the router peer', async () => {
    const ledger = new Ledger()
    await addMachine(ledger, '10.1.0.254', peerC)
    await addMachine(ledger, '10.1.0.2', peerB)
    const { router } = makeRouter(ledger, { router: '10.1.0.254' })
    expect(routeOf(router, ipv4Udp('10.1.0.1', '192.0.2.9', 7, payload))).toBe(peerC)
    // a destination with an entry is not diverted
    expect(routeOf(router, ipv4Udp('10.1.0.1', '10.1.0.2', 7, payload))).toBe(peerB)
    // packets we forward for others (source is not our IP) are not diverted
    expect(routeOf(router, ipv4Udp('10.1.0.9', '192.0.2.9', 7, payload))).toBe('no-route')
  })
})

describe('the static peer table', () => {
  it('alone decides the peer; the ledger is not consulted', async () => {
    const ledger = new Ledger()
    await addMachine(ledger, '10.1.0.3', peerB)
    const table = parseStaticPeerTable([`10.1.0.2:${peerC}`])
    const { router } = makeRouter(ledger, { staticPeerTable: table })
    expect(routeOf(router, ipv4Udp('10.1.0.1', '10.1.0.2', 7, payload))).toBe(peerC)
    expect(routeOf(router, ipv4Udp('10.1.0.1', '10.1.0.3', 7, payload))).toBe('no-route')
  })

  it('is parsed like Go, with a clear error per bad entry', () => {
    expect(parseStaticPeerTable([`10.1.0.2:${peerB}`]).get('10.1.0.2')).toBe(peerB)
    expect(() => parseStaticPeerTable(['10.1.0.2'])).toThrow(VpnConfigError)
    expect(() => parseStaticPeerTable([`fd00::2:${peerB}`])).toThrow(/is not ip:peerid/)
    expect(() => parseStaticPeerTable(['10.1.0.2:nope'])).toThrow(/"nope" is not a peer ID/)
    expect(() => parseStaticPeerTable([`10.1.0.02:${peerB}`])).toThrow(/"10.1.0.02" is not an IPv4 address/)
  })
})

describe('inbound gating', () => {
  it('admits owners of machines entries only, and follows changes', async () => {
    const ledger = new Ledger()
    await addMachine(ledger, '10.1.0.2', peerB)
    const machines = new MachineDirectory(ledger)
    cleanups.push(() => { machines.close() })
    const gate = new InboundGate(machines)
    let changes = 0
    gate.onChange(() => { changes++ })
    expect(gate.allows(peerB)).toBe(true)
    expect(gate.allows(peerC)).toBe(false)
    await addMachine(ledger, '10.1.0.3', peerC)
    expect(gate.allows(peerC)).toBe(true)
    await ledger.delete('machines', '10.1.0.2')
    expect(gate.allows(peerB)).toBe(false)
    expect(changes).toBe(2)
  })

  it('with a static table admits its peers only', async () => {
    const ledger = new Ledger()
    await addMachine(ledger, '10.1.0.2', peerB)
    const machines = new MachineDirectory(ledger)
    cleanups.push(() => { machines.close() })
    const gate = new InboundGate(machines, parseStaticPeerTable([`10.1.0.3:${peerC}`]))
    expect(gate.allows(peerC)).toBe(true)
    expect(gate.allows(peerB)).toBe(false)
  })
})
