/**
 * Ledger convergence benchmark: how long a write takes to be readable on every node of a 10- and
 * a 50-node mesh (p50/p99 of the slowest reader per write), and how many bytes an idle node
 * exchanges per minute once the ledger is quiet (digest summaries, gossipsub and libp2p upkeep).
 *
 * All nodes of a mesh run in ONE process to save CPU (each with its own libp2p host, TCP on
 * loopback). The whole run happens in a private network namespace, so the loopback byte counters
 * of /proc/net/dev count only this benchmark's traffic.
 *
 *   npm run build && node bench/dist/ledger-convergence.js [--sizes 10,50] [--writes 20] [--idle-seconds 20] [--json FILE]
 *
 * `--json FILE` also writes the rows there (`npm run bench` reads them).
 */
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { createMeshHost } from '@edgevpn/mesh-core'
import { encodeBlock, Ledger, LedgerSync } from '@edgevpn/ledger'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { flagValue } from './lib/flags.js'
import { percentile, sleep } from './lib/measure.js'
import type { LedgerRow } from './lib/results.js'
import type { MeshHost, NetworkConfig } from '@edgevpn/mesh-core'

const NETNS = 'evt-bench-ledger'
const sizes = (flagValue(process.argv, '--sizes') ?? '10,50').split(',').map(Number)
const writes = Number(flagValue(process.argv, '--writes') ?? 20)
const idleSeconds = Number(flagValue(process.argv, '--idle-seconds') ?? 20)
const jsonFile = flagValue(process.argv, '--json')
/** Ticker start-up (immediate tick, then 2.5-7.5 s, then up to 15 s) before idle traffic is steady. */
const SETTLE_MS = 12_000
const ENTRIES = 100
/** A write not on every node by then counts as not converged (and leaves the percentiles). */
const WRITE_TIMEOUT_MS = 60_000
const BURST_TIMEOUT_MS = 300_000

interface Node {
  host: MeshHost
  ledger: Ledger
  sync: LedgerSync
  /** When each test key became readable here. */
  seen: Map<string, number>
}

function network (): NetworkConfig {
  const secret = (): string => randomBytes(16).toString('hex')
  const otp = (): NetworkConfig['otp']['dht'] => ({ interval: 360n, key: secret(), length: 43 })
  return { otp: { dht: otp(), crypto: otp() }, room: secret(), rendezvous: secret(), mdns: secret(), maxMessageSize: 20 * 1024 * 1024 }
}

async function startNode (config: NetworkConfig): Promise<Node> {
  const privateKey = await generateKeyPair('Ed25519')
  const host = await createMeshHost({ privateKey, listen: ['/ip4/127.0.0.1/tcp/0'], quic: false, dhtClientMode: true })
  let sync: LedgerSync | undefined
  const ledger = new Ledger({ mode: 'enforce', signer: privateKey, onBroadcast: block => { sync?.onBroadcast(block) }, warn: () => {} })
  sync = new LedgerSync({ libp2p: host.libp2p, ledger }, { network: config })
  const seen = new Map<string, number>()
  ledger.watch({ bucket: 'bench' }, change => { if (!seen.has(change.key)) seen.set(change.key, performance.now()) })
  await sync.start()
  return { host, ledger, sync, seen }
}

/**
 * Each node dials up to 3 random earlier nodes: connected, sparse, several hops across. One dial
 * at a time: with 50 nodes in one event loop, parallel handshakes time out.
 */
async function connect (nodes: Node[]): Promise<void> {
  for (let i = 1; i < nodes.length; i++) {
    const targets = [...nodes.slice(0, i)].sort(() => Math.random() - 0.5).slice(0, 3)
    for (const target of targets) await dialWithRetry(nodes[i], target)
  }
}

/**
 * Loopback dials are reset, or their handshakes time out, while dozens of nodes start in one busy
 * process (more so when other programs load the machine): back off and try again.
 */
async function dialWithRetry (from: Node, to: Node, attempts = 8): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await from.host.libp2p.dial(to.host.libp2p.getMultiaddrs()[0])
      return
    } catch (err) {
      if (attempt >= attempts) throw err
      await sleep(500 * attempt)
    }
  }
}

async function waitSeen (nodes: Node[], key: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!nodes.every(node => node.seen.has(key))) {
    if (Date.now() > deadline) {
      throw new Error(`${key} reached ${nodes.filter(n => n.seen.has(key)).length}/${nodes.length} nodes in ${timeoutMs} ms`)
    }
    await sleep(5)
  }
}

function loopbackBytes (): number {
  const line = readFileSync('/proc/net/dev', 'utf8').split('\n').find(l => l.trim().startsWith('lo:'))
  if (line === undefined) return NaN
  return Number(line.split(':')[1].trim().split(/\s+/)[8]) // transmitted bytes (each loopback byte counted once)
}

async function measure (size: number): Promise<LedgerRow> {
  const config = network()
  const nodes = await Promise.all(Array.from({ length: size }, async () => startNode(config)))
  try {
    await connect(nodes)
    await nodes[0].ledger.put('bench', 'warm-up', true)
    await waitSeen(nodes, 'warm-up', 60_000)

    const delays: number[] = []
    let unconverged = 0
    for (let i = 0; i < writes; i++) {
      const writer = nodes[Math.floor(Math.random() * nodes.length)]
      const key = `w${i}`
      const start = performance.now()
      await writer.ledger.put('bench', key, i)
      try {
        await waitSeen(nodes, key, WRITE_TIMEOUT_MS)
        delays.push(Math.max(...nodes.map(node => (node.seen.get(key) ?? Infinity) - start)))
      } catch (err) {
        process.stderr.write(`${(err as Error).message}\n`)
        unconverged++
      }
    }
    delays.sort((a, b) => a - b)

    const burstStart = performance.now()
    for (let i = 0; i < ENTRIES; i++) await nodes[i % size].ledger.put('bench', `idle${i}`, 'x'.repeat(64))
    let burstMs = NaN
    try {
      for (let i = 0; i < ENTRIES; i++) await waitSeen(nodes, `idle${i}`, BURST_TIMEOUT_MS)
      burstMs = performance.now() - burstStart
    } catch (err) {
      process.stderr.write(`burst did not converge: ${(err as Error).message}\n`) // the idle traffic is still worth measuring
    }
    await sleep(SETTLE_MS)
    const before = loopbackBytes()
    await sleep(idleSeconds * 1000)
    const idleBytes = loopbackBytes() - before
    const blockBytes = Buffer.byteLength(encodeBlock(nodes[0].ledger.lastBlock()))
    return {
      nodes: size,
      writes,
      unconverged,
      p50: percentile(delays, 0.5),
      p99: percentile(delays, 0.99),
      max: delays.at(-1) ?? NaN,
      idleBytesPerNodeMinute: idleBytes / size * 60 / idleSeconds,
      idleSeconds,
      blockBytes,
      burstMs
    }
  } finally {
    await Promise.all(nodes.map(async node => { await node.sync.stop(); await node.host.stop() }))
  }
}

async function main (): Promise<void> {
  const rows: LedgerRow[] = []
  for (const size of sizes) {
    process.stderr.write(`measuring ${size} nodes (${writes} writes, ${idleSeconds} s idle)\n`)
    rows.push(await measure(size))
  }
  console.log(`ledger convergence: all nodes of a mesh in one process (${process.version}), TCP on loopback in netns ${NETNS}, ownership enforce, each node dials 3 earlier ones`)
  console.log(`| nodes | writes | not converged in ${WRITE_TIMEOUT_MS / 1000} s | p50 ms | p99 ms | max ms | ${ENTRIES}-write burst on all nodes, ms | idle bytes/node/min | ledger entries (block JSON bytes) |`)
  console.log('|---|---|---|---|---|---|---|---|---|')
  for (const r of rows) {
    console.log(`| ${r.nodes} | ${r.writes} | ${r.unconverged} | ${r.p50.toFixed(0)} | ${r.p99.toFixed(0)} | ${r.max.toFixed(0)} | ${r.burstMs.toFixed(0)} | ${Math.round(r.idleBytesPerNodeMinute)} | ${ENTRIES + writes + 1} (~${r.blockBytes}) |`)
  }
  console.log('idle bytes include libp2p upkeep (gossipsub heartbeats, identify, ping) besides the digest summaries')
  if (jsonFile !== undefined) writeFileSync(jsonFile, JSON.stringify(rows, null, 2))
}

/** Re-runs this script inside a fresh network namespace and removes it afterwards. */
function runInNamespace (): number {
  const ip = (...args: string[]): void => {
    const result = spawnSync('ip', args, { stdio: 'inherit' })
    if (result.status !== 0) throw new Error(`ip ${args.join(' ')} failed`)
  }
  ip('netns', 'add', NETNS)
  try {
    ip('netns', 'exec', NETNS, 'ip', 'link', 'set', 'lo', 'up')
    const child = spawnSync('ip', ['netns', 'exec', NETNS, process.execPath, fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
      stdio: 'inherit', env: { ...process.env, BENCH_IN_NETNS: '1' }
    })
    return child.status ?? 1
  } finally {
    ip('netns', 'delete', NETNS)
  }
}

if (process.env.BENCH_IN_NETNS === '1') {
  await main()
  process.exit(0)
} else {
  process.exitCode = runInNamespace()
}
