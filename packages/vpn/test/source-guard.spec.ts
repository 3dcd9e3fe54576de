/**
 * Anti-spoofing (docs/security.md): a member cannot inject packets whose source address is not
 * its own. First the guard alone over a real ledger, then end to end: two `vpn-node.ts` processes
 * with real TUN devices in network namespaces (underlay 10.253.0.0/24, overlay 10.1.0.0/24) and a
 * bare member (`raw-sender.ts`, VPN address 10.1.0.9) that sends on each data-plane protocol.
 *
 * Spawned processes run the BUILT packages: `npx tsc -b` first.
 */
import { Ledger } from '@edgevpn/ledger'
import { tunUnavailableReason } from '@edgevpn/tun'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createNetnsLab, netnsUnavailableReason, JsonLines } from '@edgevpn/testbed'
import { machineValue } from '../src/machine-announce.js'
import { MachineDirectory } from '../src/machine-directory.js'
import { parseIPv6 } from '@edgevpn/go-compat'
import { createSourceGuard } from '../src/source-guard.js'
import { parseStaticPeerTable } from '../src/static-peer-table.js'
import { ipv4Udp, ipv6Udp } from './fixtures/ip-packets.js'
import { NODE, fixture, statsOf } from './fixtures/vpn-lab-node.js'
import type { NetnsLab } from '@edgevpn/testbed'
import type { VpnNode } from './fixtures/vpn-lab-node.js'
import type { RawSenderConfig } from './fixtures/raw-sender.js'

const skipReason = netnsUnavailableReason() ?? tunUnavailableReason()

const ALICE = '12D3KooWJWoaqZhDaoEFshF7Rh1bpY9ohihFhzcW6d69Lr2NASuq'
const BOB = '12D3KooWNvSZnPi3RrhrTwEY4LuuBeB6K6facKUCJcyWG1aoDd2p'
const payload = new TextEncoder().encode('hello')

async function machinesLedger (entries: Array<[string, string]>): Promise<Ledger> {
  const ledger = new Ledger({ mode: 'off' })
  for (const [ip, peerId] of entries) {
    await ledger.put('machines', ip, machineValue({ peerId, hostname: ip, os: 'linux', arch: 'amd64', address: ip, version: '' }))
  }
  return ledger
}

describe('source guard', () => {
  it('lets a peer send from the addresses it owns only', async () => {
    const ledger = await machinesLedger([['10.1.0.1', ALICE], ['10.1.0.2', BOB], ['fd00::1', ALICE]])
    const guard = createSourceGuard({ machines: new MachineDirectory(ledger) })
    expect(guard.allows(ALICE, ipv4Udp('10.1.0.1', '10.1.0.2', 9, payload))).toBe(true)
    expect(guard.allows(ALICE, ipv4Udp('10.1.0.2', '10.1.0.3', 9, payload))).toBe(false)
    expect(guard.allows(ALICE, ipv4Udp('10.1.0.77', '10.1.0.2', 9, payload))).toBe(false)
    const v6 = (text: string): Uint8Array => parseIPv6(text) as Uint8Array
    expect(guard.allows(ALICE, ipv6Udp(v6('fd00::1'), v6('fd00::2'), 9, payload))).toBe(true)
    expect(guard.allows(BOB, ipv6Udp(v6('fd00::1'), v6('fd00::2'), 9, payload))).toBe(false)
    // too short for an IP header, or not IP at all
    expect(guard.allows(ALICE, Uint8Array.of(0x45, 0, 0, 20))).toBe(false)
    expect(guard.allows(ALICE, new Uint8Array(40).fill(0x11))).toBe(false)
  })

  it('checks a packet inside a larger buffer (after a virtio header)', async () => {
    const ledger = await machinesLedger([['10.1.0.1', ALICE]])
    const guard = createSourceGuard({ machines: new MachineDirectory(ledger) })
    const packet = ipv4Udp('10.1.0.1', '10.1.0.2', 9, payload)
    const unit = new Uint8Array(10 + packet.length)
    unit.set(packet, 10)
    expect(guard.allows(ALICE, unit, 10, packet.length)).toBe(true)
    expect(guard.allows(BOB, unit, 10, packet.length)).toBe(false)
  })

  it('follows the machines bucket: an address handed over changes who may send from it', async () => {
    const ledger = await machinesLedger([['10.1.0.1', ALICE]])
    const guard = createSourceGuard({ machines: new MachineDirectory(ledger) })
    const packet = ipv4Udp('10.1.0.1', '10.1.0.2', 9, payload)
    expect(guard.allows(ALICE, packet)).toBe(true)
    await ledger.put('machines', '10.1.0.1', machineValue({ peerId: BOB, hostname: 'b', os: 'linux', arch: 'amd64', address: '10.1.0.1', version: '' }))
    expect(guard.allows(ALICE, packet)).toBe(false)
    expect(guard.allows(BOB, packet)).toBe(true)
    guard.close()
  })

  it('with a static peer table, allows the table\'s addresses and ignores the ledger', async () => {
    const ledger = await machinesLedger([['10.1.0.5', ALICE]])
    const guard = createSourceGuard({ machines: new MachineDirectory(ledger) }, { staticPeerTable: parseStaticPeerTable([`10.1.0.1:${ALICE}`]) })
    expect(guard.allows(ALICE, ipv4Udp('10.1.0.1', '10.1.0.2', 9, payload))).toBe(true)
    expect(guard.allows(ALICE, ipv4Udp('10.1.0.5', '10.1.0.2', 9, payload))).toBe(false)
  })

  it('lets the --router peer forward packets of other networks, and nobody else', async () => {
    const ledger = await machinesLedger([['10.1.0.254', BOB], ['10.1.0.1', ALICE]])
    const guard = createSourceGuard({ machines: new MachineDirectory(ledger) }, { router: '10.1.0.254' })
    expect(guard.allows(BOB, ipv4Udp('192.168.7.7', '10.1.0.1', 9, payload))).toBe(true)
    expect(guard.allows(ALICE, ipv4Udp('192.168.7.7', '10.1.0.2', 9, payload))).toBe(false)
  })

  it('bounds the owner cache when a peer sends from many forged addresses', async () => {
    const ledger = await machinesLedger([['10.1.0.1', ALICE]])
    const guard = createSourceGuard({ machines: new MachineDirectory(ledger) }, { maxCachedSources: 16 })
    for (let i = 0; i < 1000; i++) expect(guard.allows(ALICE, ipv4Udp(`10.2.${i >> 8}.${i & 0xff}`, '10.1.0.2', 9, payload))).toBe(false)
    expect(guard.allows(ALICE, ipv4Udp('10.1.0.1', '10.1.0.2', 9, payload))).toBe(true)
  })
})

describe.skipIf(skipReason !== undefined)('a member forging source addresses, in network namespaces', () => {
  let lab: NetnsLab | undefined
  let nodes: VpnNode[] = []
  let listener: JsonLines
  const port = 7500

  /** Sends one UDP packet from `source` to node 1 as the member 10.1.0.9 on `protocol`. */
  async function sendAsMember (protocol: RawSenderConfig['protocol'], source: string, text: string): Promise<Record<string, unknown>> {
    const target = nodes[0]
    const config: RawSenderConfig = {
      listen: `/ip4/${nodes[1].host.address}/tcp/0`,
      target: { peerId: target.peerId, addrs: target.addrs },
      protocol,
      packetHex: Buffer.from(ipv4Udp(source, target.ip, port, new TextEncoder().encode(text))).toString('hex')
    }
    const sender = new JsonLines(`raw-sender ${text}`, (lab as NetnsLab).spawn(nodes[1].host, NODE, [fixture('raw-sender.ts'), JSON.stringify(config)]))
    const ready = await sender.next(line => line.event === 'ready')
    await target.lines.request({ cmd: 'peers', peers: [{ ip: '10.1.0.9', peerId: ready.peerId }] }, 'peers-ok')
    return sender.request({ cmd: 'send' }, 'sent', 20_000)
  }

  beforeAll(async () => {
    lab = await createNetnsLab({ prefix: 'evtx', hosts: 2, subnet: '10.253.0' })
    nodes = await Promise.all(lab.hosts.map(async (host, i) => {
      const address = `10.1.0.${i + 1}/24`
      const child = (lab as NetnsLab).spawn(host, NODE, [fixture('vpn-node.ts'), JSON.stringify({ interfaceName: 'evtx0', address, listen: `/ip4/${host.address}/tcp/0` })])
      const lines = new JsonLines(`vpn-node ${address}`, child)
      const ready = await lines.next(line => line.event === 'ready')
      return { host, ip: address.split('/')[0], peerId: ready.peerId as string, addrs: ready.addrs as string[], lines }
    }))
    await Promise.all(nodes.map(async node => {
      const peers = nodes.filter(other => other !== node).map(other => ({ ip: other.ip, peerId: other.peerId, addrs: other.addrs }))
      await node.lines.request({ cmd: 'peers', peers }, 'peers-ok')
    }))
    listener = new JsonLines('udp-listen', lab.spawn(nodes[0].host, NODE, [fixture('net-tools.ts'), 'udp-listen', nodes[0].ip, String(port)]))
    await listener.next(line => line.event === 'listening')
  }, 120_000)

  afterAll(async () => {
    await lab?.destroy()
  }, 60_000)

  it('delivers a member\'s packets from its own address', async () => {
    for (const protocol of ['go', 'framed', 'offload'] as const) {
      const result = await sendAsMember(protocol, '10.1.0.9', `own address on ${protocol}`)
      expect(result.status, protocol).toBe('closed')
      const datagram = await listener.next(line => line.payload === `own address on ${protocol}`, 10_000)
      expect(datagram.from).toBe('10.1.0.9')
    }
  }, 120_000)

  it('drops and counts packets whose source is another member\'s address, on every protocol', async () => {
    const before = (await statsOf(nodes[0])).drops['spoofed-source']
    for (const protocol of ['go', 'framed', 'offload'] as const) {
      // 10.1.0.2 is node 2's address; 10.1.0.200 is nobody's
      await sendAsMember(protocol, '10.1.0.2', `forged member address on ${protocol}`)
      await sendAsMember(protocol, '10.1.0.200', `forged free address on ${protocol}`)
    }
    // give a wrongly accepted packet time to arrive before checking that none did
    await new Promise(resolve => setTimeout(resolve, 2000))
    expect(listener.lines.filter(line => String(line.payload).startsWith('forged'))).toEqual([])
    expect((await statsOf(nodes[0])).drops['spoofed-source']).toBe(before + 6)
  }, 120_000)
})
