/**
 * The VPN data plane end to end: three `vpn-node.ts` processes with real TUN devices, each in its
 * own network namespace on a bridge (underlay 10.252.0.0/24, overlay 10.1.0.0/24; a second
 * overlay 10.1.1.0/24 runs two nodes forced onto Go's protocol, 10.1.2.0/24 an offload node and
 * a Go-protocol node, which gets the offload node's TCP super-packets segmented in software). `ping` is not installed on this
 * machine, so reachability is checked with a UDP echo through the tunnel instead.
 *
 * Spawned processes run the BUILT packages: `npx tsc -b` first.
 */
import { tunUnavailableReason } from '@edgevpn/tun'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createNetnsLab, netnsUnavailableReason, JsonLines } from '@edgevpn/testbed'
import { GO_VPN_PROTOCOL, OFFLOAD_VPN_PROTOCOL } from '../src/protocols.js'
import { ipv4Udp } from './fixtures/ip-packets.js'
import { NODE, fixture, listenTool, runTool, startVpnNode, statsOf } from './fixtures/vpn-lab-node.js'
import type { LabHost, NetnsLab } from '@edgevpn/testbed'
import type { VpnNode } from './fixtures/vpn-lab-node.js'
import type { RawSenderConfig } from './fixtures/raw-sender.js'
import type { VpnNodeConfig } from './fixtures/vpn-node.js'

const TRANSFER_BYTES = 100 * 1024 * 1024
/** Go's protocol opens a stream per packet: a smaller transfer proves it (and keeps the suite short). */
const GO_TRANSFER_BYTES = 8 * 1024 * 1024
const skipReason = netnsUnavailableReason() ?? tunUnavailableReason()

let lab: NetnsLab | undefined

async function startNode (host: LabHost, config: Omit<VpnNodeConfig, 'listen'>): Promise<VpnNode> {
  return await startVpnNode(lab as NetnsLab, host, config)
}

/** Tells every node about the others (machines entries + a connection), as the gossip hub would. */
async function meshUp (nodes: VpnNode[]): Promise<void> {
  await Promise.all(nodes.map(async node => {
    const peers = nodes.filter(other => other !== node).map(other => ({ ip: other.ip, peerId: other.peerId, addrs: other.addrs }))
    await node.lines.request({ cmd: 'peers', peers }, 'peers-ok')
  }))
}


async function listen (host: LabHost, mode: string, ip: string, port: number): Promise<JsonLines> {
  return await listenTool(lab as NetnsLab, host, mode, ip, port)
}

async function tool (host: LabHost, ...args: string[]): Promise<Record<string, unknown>> {
  return await runTool(lab as NetnsLab, host, ...args)
}

/** Sends `bytes` over TCP from `from` to `to` across the VPN and checks they arrived intact. */
async function transfer (from: VpnNode, to: VpnNode, port: number, label: string, bytes = TRANSFER_BYTES): Promise<void> {
  const sink = await listen(to.host, 'tcp-sink', to.ip, port)
  const sent = await tool(from.host, 'tcp-source', to.ip, String(port), String(bytes))
  const received = await sink.next(line => line.event === 'done', 60_000)
  expect(received.bytes).toBe(bytes)
  expect(received.sha256).toBe(sent.sha256)
  const seconds = Number(sent.ms) / 1000
  const mib = bytes / 1024 / 1024
  console.log(`${label}: ${mib} MiB over TCP in ${seconds.toFixed(2)} s (${(mib / seconds).toFixed(1)} MiB/s)`)
}

describe.skipIf(skipReason !== undefined)('VPN data plane in network namespaces', () => {
  let nodes: VpnNode[] = []

  beforeAll(async () => {
    lab = await createNetnsLab({ prefix: 'evtvpn', hosts: 3, subnet: '10.252.0' })
    // the libp2p protocols; the fast data channel has its own spec (vpn-fast-channel.spec.ts)
    nodes = await Promise.all(lab.hosts.map(async (host, i) => startNode(host, { interfaceName: 'evtvpn0', address: `10.1.0.${i + 1}/24`, fast: false })))
    await meshUp(nodes)
  }, 120_000)

  afterAll(async () => {
    await lab?.destroy()
  }, 60_000)

  it('every pair reaches each other through the tunnel (UDP echo)', async () => {
    await Promise.all(nodes.map(async node => { await listen(node.host, 'udp-echo', node.ip, 7007) }))
    for (const from of nodes) {
      for (const to of nodes.filter(other => other !== from)) {
        const result = await tool(from.host, 'udp-probe', to.ip, '7007', '3')
        console.log(`UDP echo ${from.ip} -> ${to.ip}: round trips ${JSON.stringify(result.rttMs)} ms`)
        expect(result.replies, `${from.ip} -> ${to.ip}`).toBe(3)
      }
    }
  }, 120_000)

  it('carries 100 MiB of TCP intact on the offload protocol (GSO super-packets whole)', async () => {
    await transfer(nodes[0], nodes[1], 7100, 'offload protocol')
    const stats = await statsOf(nodes[0])
    expect(stats.peers[nodes[1].peerId].protocol).toBe(OFFLOAD_VPN_PROTOCOL)
    expect(stats.peers[nodes[1].peerId].bytesOut).toBeGreaterThan(TRANSFER_BYTES)
    console.log('sender drops:', JSON.stringify(stats.drops))
  }, 300_000)

  describe('a bare peer sending one packet per stream', () => {
    const port = 7200
    let listener: JsonLines

    beforeAll(async () => {
      listener = await listen(nodes[0].host, 'udp-listen', nodes[0].ip, port)
    })

    /** Runs raw-sender.ts in node 3's namespace; `member` adds its peer ID to node 1's machines first. */
    async function rawSend (protocol: RawSenderConfig['protocol'], member: boolean, payload: string): Promise<Record<string, unknown>> {
      const target = nodes[0]
      const config: RawSenderConfig = {
        listen: `/ip4/${nodes[2].host.address}/tcp/0`,
        target: { peerId: target.peerId, addrs: target.addrs },
        protocol,
        packetHex: Buffer.from(ipv4Udp('10.1.0.9', target.ip, port, new TextEncoder().encode(payload))).toString('hex')
      }
      const sender = new JsonLines(`raw-sender ${payload}`, (lab as NetnsLab).spawn(nodes[2].host, NODE, [fixture('raw-sender.ts'), JSON.stringify(config)]))
      const ready = await sender.next(line => line.event === 'ready')
      if (member) await target.lines.request({ cmd: 'peers', peers: [{ ip: '10.1.0.9', peerId: ready.peerId }] }, 'peers-ok')
      return sender.request({ cmd: 'send' }, 'sent', 20_000)
    }

    it('is understood when it speaks Go edgevpn /edgevpn/0.1 and is a member', async () => {
      const result = await rawSend('go', true, 'from a Go-style sender')
      expect(result.status).toBe('closed')
      const datagram = await listener.next(line => line.payload === 'from a Go-style sender', 10_000)
      expect(datagram.from).toBe('10.1.0.9')
    }, 60_000)

    it('cannot inject packets when not in the machines bucket (either protocol)', async () => {
      const refusedBefore = (await statsOf(nodes[0])).refusedStreams
      const go = await rawSend('go', false, 'intruder on /edgevpn/0.1')
      const framed = await rawSend('framed', false, 'intruder on the framed protocol')
      expect(go.status).toBe('reset')
      expect(framed.status).toBe('reset')
      // give a wrongly accepted packet time to arrive before checking that none did
      await new Promise(resolve => setTimeout(resolve, 2000))
      expect(listener.lines.filter(line => String(line.payload).startsWith('intruder'))).toEqual([])
      expect((await statsOf(nodes[0])).refusedStreams).toBe(refusedBefore + 2)
    }, 60_000)
  })

  describe('an offload node and a node on Go edgevpn\'s protocol', () => {
    let mixed: VpnNode[] = []

    beforeAll(async () => {
      mixed = await Promise.all([
        startNode(nodes[0].host, { interfaceName: 'evtvpnmx0', address: '10.1.2.1/24' }),
        startNode(nodes[1].host, { interfaceName: 'evtvpnmx1', address: '10.1.2.2/24', wireProtocol: 'go' })
      ])
      await meshUp(mixed)
    }, 120_000)

    it('reach each other both ways (UDP echo)', async () => {
      await Promise.all(mixed.map(async node => { await listen(node.host, 'udp-echo', node.ip, 7007) }))
      for (const [from, to] of [[mixed[0], mixed[1]], [mixed[1], mixed[0]]]) {
        expect((await tool(from.host, 'udp-probe', to.ip, '7007', '3')).replies, `${from.ip} -> ${to.ip}`).toBe(3)
      }
    }, 120_000)

    it('carry 8 MiB of TCP intact, super-packets segmented in software for the Go-protocol node', async () => {
      await transfer(mixed[0], mixed[1], 7400, 'offload node to Go-protocol node', GO_TRANSFER_BYTES)
      const stats = await statsOf(mixed[0])
      expect(stats.peers[mixed[1].peerId].protocol).toBe(GO_VPN_PROTOCOL)
      expect(stats.drops.malformed).toBe(0)
      console.log('sender drops:', JSON.stringify(stats.drops))
    }, 600_000)
  })

  describe('two nodes on Go edgevpn\'s protocol', () => {
    let goNodes: VpnNode[] = []

    beforeAll(async () => {
      goNodes = await Promise.all([0, 1].map(async i => startNode(nodes[i].host, {
        interfaceName: 'evtvpngo0', address: `10.1.1.${i + 1}/24`, wireProtocol: 'go'
      })))
      await meshUp(goNodes)
    }, 120_000)

    it('still carry 8 MiB of TCP intact, one stream per packet', async () => {
      await transfer(goNodes[0], goNodes[1], 7300, 'Go protocol (/edgevpn/0.1)', GO_TRANSFER_BYTES)
      const stats = await statsOf(goNodes[0])
      expect(stats.peers[goNodes[1].peerId].protocol).toBe(GO_VPN_PROTOCOL)
      console.log('sender drops:', JSON.stringify(stats.drops))
    }, 600_000)
  })
})
