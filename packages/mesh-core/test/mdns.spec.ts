import { execFile, execFileSync } from 'node:child_process'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MeshProcess, randomNetwork } from './fixtures/mesh-process.js'

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

describe.skipIf(!isRoot)('mDNS on a busy LAN (needs root)', () => {
  const processes: MeshProcess[] = []
  const network = randomNetwork()
  const start = (i: number): MeshProcess => {
    const node = new MeshProcess(`mq-${i}`, { role: 'node', network, dht: false, mdns: true, listen: [`/ip4/${address(i)}/tcp/0`] }, host(i))
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
})
