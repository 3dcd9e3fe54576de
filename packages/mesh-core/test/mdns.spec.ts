import { execFile, execFileSync } from 'node:child_process'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MeshProcess, randomNetwork } from './fixtures/mesh-process.js'
import type { MeshNodeConfig } from './fixtures/mesh-node.js'

const isRoot = process.getuid?.() === 0
const SWITCH = 'evt-mq-sw'
const HOSTS = 7
const host = (i: number): string => `evt-mq-${i}`
const address = (i: number): string => `10.250.9.${i + 1}`

function ip (...args: string[]): string {
  return execFileSync('ip', args, { stdio: 'pipe' }).toString()
}

function removeNamespaces (): void {
  for (const namespace of [SWITCH, ...Array.from({ length: HOSTS }, (_, i) => host(i))]) {
    try { ip('netns', 'del', namespace) } catch { /* not there */ }
  }
}

const SWITCH_ADDRESS = '10.250.9.100'

/** Counts the mDNS datagrams on the LAN for `ms`, from a listener on the switch. */
async function countMdns (ms: number): Promise<number> {
  const script = `
    const socket = require('node:dgram').createSocket({ type: 'udp4', reuseAddr: true })
    let count = 0
    socket.on('message', () => { count++ })
    socket.bind(5353, '0.0.0.0', () => { socket.addMembership('224.0.0.251', '${SWITCH_ADDRESS}') })
    setTimeout(() => { console.log(count); process.exit(0) }, ${ms})`
  const { stdout } = await promisify(execFile)('ip', ['netns', 'exec', SWITCH, process.execPath, '-e', script])
  return Number(stdout.trim())
}

describe.skipIf(!isRoot)('mDNS and the connection budget on a busy LAN (needs root)', () => {
  const processes: MeshProcess[] = []
  const network = randomNetwork()
  const start = (i: number, extra: Partial<MeshNodeConfig> = {}): MeshProcess => {
    const node = new MeshProcess(`mq-${i}`, { role: 'node', network, dht: false, mdns: true, listen: [`/ip4/${address(i)}/tcp/0`], ...extra }, host(i))
    processes.push(node)
    return node
  }

  // one switch namespace with a bridge, one namespace per host on it
  beforeAll(() => {
    removeNamespaces()
    ip('netns', 'add', SWITCH)
    ip('-n', SWITCH, 'link', 'add', 'evt-mq-br', 'type', 'bridge')
    ip('-n', SWITCH, 'link', 'set', 'evt-mq-br', 'up')
    ip('-n', SWITCH, 'addr', 'add', `${SWITCH_ADDRESS}/24`, 'dev', 'evt-mq-br')
    for (let i = 0; i < HOSTS; i++) {
      ip('netns', 'add', host(i))
      execFileSync('ip', ['netns', 'exec', host(i), 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1'])
      ip('link', 'add', `evt-mq-h${i}`, 'netns', host(i), 'type', 'veth', 'peer', 'name', `evt-mq-p${i}`, 'netns', SWITCH)
      ip('-n', SWITCH, 'link', 'set', `evt-mq-p${i}`, 'master', 'evt-mq-br', 'up')
      ip('-n', host(i), 'link', 'set', 'lo', 'up')
      ip('-n', host(i), 'addr', 'add', `${address(i)}/24`, 'dev', `evt-mq-h${i}`)
      ip('-n', host(i), 'link', 'set', `evt-mq-h${i}`, 'up')
    }
  })

  afterAll(async () => {
    try {
      await Promise.all(processes.map(async node => { await node.stop() }))
    } finally {
      removeNamespaces()
    }
  })

  it('connects every node, then stays nearly silent, and a newcomer still finds everyone', async () => {
    const nodes = Array.from({ length: HOSTS - 1 }, (_, i) => start(i))
    const ids = (await Promise.all(nodes.map(async node => await node.ready))).map(ready => ready.peerId)
    await Promise.all(nodes.map(async (node, i) => {
      await node.waitFor(() => ids.every((id, j) => i === j || node.connectedTo(id)), 30_000, `mq-${i} connected to all`)
    }))

    // a fixed 10 s query period (the old behaviour) puts about 6 queries and 30 answers on this
    // LAN in every 10 s; queries that back off (1 s, 2 s, 4 s, …) and count the others' queries
    // as their own put one query and its answers there now and then
    await new Promise(resolve => setTimeout(resolve, 25_000))
    const datagrams = await countMdns(20_000)
    console.log(`mDNS datagrams on a LAN of ${nodes.length} connected nodes, 25 s after they connected, in 20 s: ${datagrams}`)
    expect(datagrams).toBeLessThan(2 * nodes.length)

    const newcomer = start(HOSTS - 1)
    const { peerId } = await newcomer.ready
    await Promise.all(nodes.map(async (node, i) => {
      await node.waitFor(() => node.connectedTo(peerId), 15_000, `mq-${i} connected to the newcomer`)
    }))
  }, 120_000)

  it('keeps each node between the low and high water marks, in one connected mesh', async () => {
    await Promise.all(processes.splice(0).map(async node => { await node.stop() }))
    const connections = { low: 3, high: 4, gracePeriodMs: 2_000, checkIntervalMs: 1_000 }
    const otherMesh = randomNetwork()
    // one at a time: the first ones are found by every later one and get dialled above the
    // high water mark, so they must trim
    const nodes: MeshProcess[] = []
    for (let i = 0; i < HOSTS; i++) {
      nodes.push(start(i, { network: otherMesh, connections }))
      await nodes[i].ready
    }
    const ids = (await Promise.all(nodes.map(async node => await node.ready))).map(ready => ready.peerId)
    const degree = (node: MeshProcess): number => ids.filter(id => node.connectedTo(id)).length
    const inBudget = (): boolean => nodes.every(node => degree(node) >= connections.low && degree(node) <= connections.high)
    // every process reports its own connections, so poll them all
    const deadline = Date.now() + 30_000
    while (!inBudget()) {
      if (Date.now() > deadline) throw new Error(`not every node has ${connections.low}-${connections.high} connections after 30 s: ${nodes.map(degree).join(', ')}`)
      await new Promise(resolve => setTimeout(resolve, 250))
    }
    console.log(`connections per node with low ${connections.low}, high ${connections.high}, ${HOSTS} nodes: ${nodes.map(degree).join(', ')}`)
    // 7 nodes of degree 3 or more cannot fall apart into two parts: each part would need 4
    const reached = new Set([0])
    for (const i of reached) for (const [j, id] of ids.entries()) if (nodes[i].connectedTo(id)) reached.add(j)
    expect(reached.size).toBe(HOSTS)
  }, 60_000)
})