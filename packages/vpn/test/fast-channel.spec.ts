/**
 * The fast data channel end to end (`/edgevpn-ts/vpn-fast/1.0.0` + AES-256-GCM records on a plain
 * TCP socket): three `vpn-node.ts` processes with real TUN devices in network namespaces on a
 * bridge (underlay 10.249.0.0/24, overlay 10.1.0.0/24). Node 1 runs the native fast path (the
 * TUN addon's threads), node 2 the JS one, so transfers between them prove the two engines speak
 * the same records. Node 3 rejects its fast port with iptables, so traffic towards it must stay on
 * the libp2p streams, and it closes a peer's data wires after 4 s without traffic.
 * `fast-intruder.ts` plays strangers and misbehaving members against the fast sockets of nodes 1
 * and 2.
 *
 * Spawned processes run the BUILT packages: `npx tsc -b` first.
 */
import { tunUnavailableReason } from '@edgevpn/tun'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createNetnsLab, netnsUnavailableReason, JsonLines } from '@edgevpn/testbed'
import { FAST_VPN_PROTOCOL, OFFLOAD_VPN_PROTOCOL } from '../src/protocols.js'
import { ipv4Udp } from './fixtures/ip-packets.js'
import { NODE, fixture, listenTool, runTool, startVpnNode, statsOf } from './fixtures/vpn-lab-node.js'
import type { LabHost, NetnsLab } from '@edgevpn/testbed'
import type { VpnNode } from './fixtures/vpn-lab-node.js'
import type { FastIntruderConfig, FastIntruderMode } from './fixtures/fast-intruder.js'
import type { VpnNodeConfig } from './fixtures/vpn-node.js'

const TRANSFER_BYTES = 100 * 1024 * 1024
const FAST_PORT = 7900
const BLOCKED_FAST_PORT = 7901
const JS_FAST_PORT = 7902
const IDLE_TIMEOUT_MS = 4_000
const skipReason = netnsUnavailableReason() ?? tunUnavailableReason()

let lab: NetnsLab | undefined

async function startNode (host: LabHost, config: Omit<VpnNodeConfig, 'listen'>): Promise<VpnNode> {
  return await startVpnNode(lab as NetnsLab, host, config)
}

async function addPeers (node: VpnNode, peers: Array<{ ip: string, peerId: string, addrs?: string[] }>): Promise<void> {
  await node.lines.request({ cmd: 'peers', peers }, 'peers-ok')
}


async function listen (host: LabHost, mode: string, ip: string, port: number): Promise<JsonLines> {
  return await listenTool(lab as NetnsLab, host, mode, ip, port)
}

async function tool (host: LabHost, ...args: string[]): Promise<Record<string, unknown>> {
  return await runTool(lab as NetnsLab, host, ...args)
}

async function until (condition: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await condition()) return true
    await new Promise(resolve => setTimeout(resolve, 250))
  }
  return false
}

describe.skipIf(skipReason !== undefined)('VPN fast data channel in network namespaces', () => {
  let nodes: VpnNode[] = []

  beforeAll(async () => {
    lab = await createNetnsLab({ prefix: 'evtp', hosts: 3, subnet: '10.249.0' })
    const ports = [FAST_PORT, JS_FAST_PORT, BLOCKED_FAST_PORT]
    nodes = await Promise.all(lab.hosts.map(async (host, i) => startNode(host, {
      interfaceName: 'evtp0', address: `10.1.0.${i + 1}/24`, fastPort: ports[i], fastEngine: i === 1 ? 'js' : 'native', idleTimeoutMs: i === 2 ? IDLE_TIMEOUT_MS : undefined
    })))
    await lab.exec(lab.hosts[2], 'iptables', ['-A', 'INPUT', '-p', 'tcp', '--dport', String(BLOCKED_FAST_PORT), '-j', 'REJECT', '--reject-with', 'tcp-reset'])
    await Promise.all(nodes.map(async node => {
      await addPeers(node, nodes.filter(other => other !== node).map(other => ({ ip: other.ip, peerId: other.peerId, addrs: other.addrs })))
    }))
    await Promise.all(nodes.map(async node => { await listen(node.host, 'udp-echo', node.ip, 7007) }))
  }, 120_000)

  afterAll(async () => {
    await lab?.destroy()
  }, 60_000)

  it.each([
    { from: 0, to: 1, engines: 'native -> js' },
    { from: 1, to: 0, engines: 'js -> native' }
  ])('is negotiated between directly connected nodes and carries 100 MiB of TCP intact ($engines)', async ({ from: fromIndex, to: toIndex, engines }) => {
    const [from, to] = [nodes[fromIndex], nodes[toIndex]]
    expect((await tool(from.host, 'udp-probe', to.ip, '7007', '3')).replies).toBe(3)
    const up = await until(async () => (await statsOf(from)).peers[to.peerId]?.protocol === FAST_VPN_PROTOCOL, 20_000)
    expect(up, 'the sender switched to the fast channel').toBe(true)

    const port = 7100 + fromIndex
    const sink = await listen(to.host, 'tcp-sink', to.ip, port)
    const sent = await tool(from.host, 'tcp-source', to.ip, String(port), String(TRANSFER_BYTES))
    const received = await sink.next(line => line.event === 'done', 120_000)
    expect(received.bytes).toBe(TRANSFER_BYTES)
    expect(received.sha256).toBe(sent.sha256)
    const stats = await statsOf(from)
    expect(stats.peers[to.peerId].protocol).toBe(FAST_VPN_PROTOCOL)
    // the receiver counted what the fast channel delivered (the native engine's counters are folded in)
    const receiverStats = await statsOf(to)
    expect(receiverStats.peers[from.peerId].bytesIn).toBeGreaterThan(TRANSFER_BYTES)
    expect(receiverStats.rejectedFastSockets).toBe(0)
    console.log(`fast channel ${engines}: 100 MiB over TCP in ${(Number(sent.ms) / 1000).toFixed(2)} s, sender drops ${JSON.stringify(stats.drops)}`)
  }, 300_000)

  it('falls back to the libp2p streams when the fast socket is refused', async () => {
    const [from, , blocked] = nodes
    expect((await tool(from.host, 'udp-probe', blocked.ip, '7007', '3')).replies).toBe(3)
    // the attempt fails within the probe's round trips; packets keep flowing over libp2p
    await new Promise(resolve => setTimeout(resolve, 2000))
    expect((await tool(from.host, 'udp-probe', blocked.ip, '7007', '3')).replies).toBe(3)
    expect((await statsOf(from)).peers[blocked.peerId].protocol).toBe(OFFLOAD_VPN_PROTOCOL)
  }, 60_000)

  it('closes an idle peer\'s fast socket and data streams, and opens them again with the next packet', async () => {
    const [to, , from] = nodes
    // the streams this node opened (the peer's own, to us, follow its timeout)
    const vpnStreams = async (): Promise<unknown[]> =>
      ((await from.lines.request({ cmd: 'streams', peerId: to.peerId }, 'streams')).streams as Array<{ protocol: string, direction: string }>)
        .filter(stream => stream.direction === 'outbound' && stream.protocol.startsWith('/edgevpn-ts/vpn'))
    const fastSockets = async (): Promise<number> =>
      (await lab!.exec(to.host, 'ss', ['-Htn', 'state', 'established', `( sport = :${FAST_PORT} )`])).split('\n').filter(line => line.includes(from.host.address)).length
    expect((await tool(from.host, 'udp-probe', to.ip, '7007', '3')).replies).toBe(3)
    expect(await until(async () => (await statsOf(from)).peers[to.peerId]?.protocol === FAST_VPN_PROTOCOL && await fastSockets() === 1, 20_000), 'fast channel up').toBe(true)
    expect(await until(async () => await fastSockets() === 0 && (await vpnStreams()).length === 0, 4 * IDLE_TIMEOUT_MS), 'wires closed when idle').toBe(true)
    expect((await from.lines.request({ cmd: 'streams', peerId: to.peerId }, 'streams')).connections, 'the connection stays (the budget decides)').toBeGreaterThan(0)
    expect((await tool(from.host, 'udp-probe', to.ip, '7007', '3')).replies).toBe(3)
    expect(await until(async () => await fastSockets() === 1, 20_000), 'fast channel up again').toBe(true)
  }, 90_000)

  describe.each([
    { index: 0, fastPort: FAST_PORT, engine: 'native' },
    { index: 1, fastPort: JS_FAST_PORT, engine: 'js' }
  ])('node $index\'s fast socket ($engine engine) against misbehaving peers', ({ index, fastPort }) => {
    const port = 7200
    let listener: JsonLines
    let target: VpnNode

    beforeAll(async () => {
      target = nodes[index]
      listener = await listen(target.host, 'udp-listen', target.ip, port)
    })

    /** Runs fast-intruder.ts in node 3's namespace; `member` adds it to the target's machines as 10.1.0.9 first. */
    async function intrude (mode: FastIntruderMode, member: boolean, source = '10.1.0.9', payload: string = mode): Promise<Record<string, unknown>> {
      const config: FastIntruderConfig = {
        listen: `/ip4/${nodes[2].host.address}/tcp/0`,
        target: { peerId: target.peerId, addrs: target.addrs, ip: target.host.address, fastPort },
        mode,
        packetHex: Buffer.from(ipv4Udp(source, target.ip, port, new TextEncoder().encode(payload))).toString('hex'),
        waitMs: mode === 'silent' ? 15_000 : 3000
      }
      const intruder = new JsonLines(`fast-intruder ${mode}`, (lab as NetnsLab).spawn(nodes[2].host, NODE, [fixture('fast-intruder.ts'), JSON.stringify(config)]))
      const ready = await intruder.next(line => line.event === 'ready')
      if (member) await addPeers(target, [{ ip: '10.1.0.9', peerId: ready.peerId as string }])
      const done = await intruder.request({ cmd: 'go' }, 'done', 30_000)
      expect(done.error).toBeUndefined()
      return done
    }

    async function rejectedSockets (): Promise<number> {
      return (await statsOf(target)).rejectedFastSockets
    }

    it('delivers a member\'s valid record, through the source-address check', async () => {
      const done = await intrude('valid', true, '10.1.0.9', 'fast and valid')
      expect(done).toMatchObject({ acked: true, closed: false })
      expect((await listener.next(line => line.payload === 'fast and valid', 10_000)).from).toBe('10.1.0.9')

      const spoofedBefore = (await statsOf(target)).drops['spoofed-source']
      await intrude('valid', true, nodes[2].ip, 'fast and spoofed')
      expect(await until(async () => (await statsOf(target)).drops['spoofed-source'] > spoofedBefore, 15_000)).toBe(true)
      expect(listener.lines.filter(line => line.payload === 'fast and spoofed')).toEqual([])
    }, 90_000)

    it('closes and counts a member\'s socket that sends garbage, an oversized length or a bad frame', async () => {
      for (const mode of ['garbage', 'oversized', 'bad-frame'] as const) {
        const before = await rejectedSockets()
        expect(await intrude(mode, true), mode).toMatchObject({ acked: true, closed: true })
        expect(await rejectedSockets(), mode).toBe(before + 1)
      }
    }, 120_000)

    it('counts a record cut short by the end of the socket and delivers nothing of it', async () => {
      const before = (await statsOf(target)).drops['inbound-malformed']
      expect(await intrude('truncated', true)).toMatchObject({ acked: true, closed: true })
      expect(await until(async () => (await statsOf(target)).drops['inbound-malformed'] === before + 1, 5000)).toBe(true)
      expect(listener.lines.filter(line => line.payload === 'truncated')).toEqual([])
    }, 60_000)

    it('drops strangers: a forged hello, silence, and a non-member asking for a session', async () => {
      const before = await rejectedSockets()
      expect(await intrude('stranger', false)).toMatchObject({ closed: true })
      expect(await intrude('silent', false)).toMatchObject({ closed: true })
      expect(await rejectedSockets()).toBe(before + 2)

      const refusedBefore = (await statsOf(target)).refusedStreams
      expect(await intrude('negotiate', false)).toMatchObject({ answered: false })
      expect((await statsOf(target)).refusedStreams).toBe(refusedBefore + 1)
    }, 90_000)
  })
})
