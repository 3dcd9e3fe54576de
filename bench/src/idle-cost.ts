/**
 * Idle cost benchmark: what a mesh of real `edgevpn` daemons (VPN on, API, mDNS, no DHT), one
 * per network namespace on one bridge, spends per node while nobody uses it, and on what.
 *
 * For each mesh size: start every daemon, wait until each is connected to all the others (or to
 * the 8 a daemon dials by default), let it settle, then over a window read per node the bytes on
 * its link (`/sys/class/net/eth0`), the CPU time of its daemon (`/proc/<pid>/stat`), its RSS, and from its `GET /metrics` the bytes of
 * each libp2p protocol's streams and of mDNS. Figures are scaled to one hour; JSON goes to
 * bench/results/.
 *
 *   npm run build && node bench/dist/idle-cost.js [--sizes 2,5,10] [--settle 30] [--window 60]
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { netnsUnavailableReason } from '@edgevpn/testbed/lab'
import { MeshLab } from '@edgevpn/testbed/soak'
import { flagValue } from './lib/flags.js'
import { sleep } from './lib/measure.js'
import { Progress } from './lib/progress.js'
import { writeResult } from './lib/results-dir.js'
import { formatNumber, formatTable } from './lib/table.js'

/** One node's counters at one moment. */
interface Snapshot {
  at: number
  /** Bytes received and sent on the node's link. */
  linkBytes: number
  linkBytesOut: number
  cpuTicks: number
  rssBytes: number
  /** Stream bytes sent, by protocol. */
  streamsOut: Map<string, number>
  mdnsOut: number
}

interface SizeResult {
  nodes: number
  /** Seconds from starting the daemons until every node was connected to every other. */
  meshSeconds: number
  /** Per node, averaged: link bytes (in + out) per hour. */
  linkMBPerHour: number
  cpuPercent: number
  rssMB: number
  /** Per node, averaged: bytes sent per hour, by what sent them (streams count their payload). */
  sentMBPerHourBy: Record<string, number>
}

const argv = process.argv.slice(2)
const sizes = (flagValue(argv, '--sizes') ?? '2,5,10').split(',').map(Number)
const settleSeconds = Number(flagValue(argv, '--settle') ?? 30)
const windowSeconds = Number(flagValue(argv, '--window') ?? 60)
const TICKS_PER_SECOND = 100
const MB = 1e6

async function main (): Promise<void> {
  const reason = netnsUnavailableReason()
  if (reason !== undefined) throw new Error(`cannot run: ${reason}`)
  for (const [name, value] of [['--sizes', Math.min(...sizes)], ['--settle', settleSeconds], ['--window', windowSeconds]] as const) {
    if (!Number.isInteger(value) || value < (name === '--sizes' ? 2 : 1)) throw new Error(`${name} must be ${name === '--sizes' ? 'mesh sizes of at least 2, comma-separated' : 'a positive number of seconds'}`)
  }
  const progress = new Progress()
  progress.plan(sizes.length)
  const results: SizeResult[] = []
  for (const nodes of sizes) {
    progress.step(`${nodes} nodes: start, mesh, settle ${settleSeconds} s, measure ${windowSeconds} s`)
    results.push(await measureSize(nodes))
  }
  const file = writeResult('idle-cost', new Date(), 'json', JSON.stringify({ settleSeconds, windowSeconds, results }, null, 2) + '\n')
  const senders = [...new Set(results.flatMap(result => Object.keys(result.sentMBPerHourBy)))]
  console.log(formatTable(['nodes', 'mesh s', 'link MB/h', 'CPU %', 'RSS MB'], results.map(result => [
    String(result.nodes), formatNumber(result.meshSeconds, 1), formatNumber(result.linkMBPerHour, 1), formatNumber(result.cpuPercent, 2), formatNumber(result.rssMB, 0)
  ])))
  console.log('\nsent per node, MB/h, by what sent it:')
  console.log(formatTable(['sender', ...results.map(result => `${result.nodes} nodes`)], senders.map(sender => [
    sender, ...results.map(result => formatNumber(result.sentMBPerHourBy[sender] ?? 0, 2))
  ])))
  console.log(`written to ${file}`)
}

async function measureSize (nodes: number): Promise<SizeResult> {
  const stateDir = mkdtempSync(join(tmpdir(), 'evt-idle-'))
  const mesh = await MeshLab.create({ prefix: 'evti', nodes, subnet: '10.254.80', stateDir, addressing: 'static', syncIntervalSeconds: 10 })
  try {
    const started = Date.now()
    await mesh.startAll()
    await waitForMesh(mesh, nodes)
    const meshSeconds = (Date.now() - started) / 1000
    await sleep(settleSeconds * 1000)
    const before = await Promise.all(mesh.nodes.map(async (_, i) => await snapshot(mesh, i)))
    await sleep(windowSeconds * 1000)
    const after = await Promise.all(mesh.nodes.map(async (_, i) => await snapshot(mesh, i)))
    return summarize(nodes, meshSeconds, before, after)
  } finally {
    await mesh.destroy()
    rmSync(stateDir, { recursive: true, force: true })
  }
}

/** A daemon's default `--connection-low-water`: discovery stops dialling there. */
const LOW_WATER = 8

/** Waits until every node is connected to each of the others, or to as many as it dials. */
async function waitForMesh (mesh: MeshLab, nodes: number): Promise<void> {
  const deadline = Date.now() + 180_000
  const wanted = Math.min(nodes - 1, LOW_WATER)
  for (const [i] of mesh.nodes.entries()) {
    for (;;) {
      const body = await mesh.metrics(i).catch(() => '')
      if (sampleValues(body, 'edgevpn_peers_connected').reduce((sum, [, value]) => sum + value, 0) >= wanted) break
      if (Date.now() > deadline) throw new Error(`node ${i + 1} is not connected to ${wanted} others after 180 s`)
      await sleep(1000)
    }
  }
}

async function snapshot (mesh: MeshLab, index: number): Promise<Snapshot> {
  const { host } = mesh.nodes[index]
  const statistics = async (name: string): Promise<number> => Number(await mesh.lab.exec(host, 'cat', [`/sys/class/net/eth0/statistics/${name}`]))
  const pid = daemonPid(host.netns)
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // fields after the command name, which may hold spaces: utime and stime are the 12th and 13th
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const body = await mesh.metrics(index)
  const streamsOut = new Map<string, number>()
  for (const [labels, value] of sampleValues(body, 'edgevpn_libp2p_stream_bytes_total')) {
    if (labels.direction === 'out') streamsOut.set(labels.protocol, value)
  }
  const mdnsOut = sampleValues(body, 'edgevpn_mdns_bytes_total').find(([labels]) => labels.direction === 'out')?.[1] ?? 0
  return {
    at: Date.now(),
    linkBytes: await statistics('rx_bytes') + await statistics('tx_bytes'),
    linkBytesOut: await statistics('tx_bytes'),
    cpuTicks: Number(fields[11]) + Number(fields[12]),
    rssBytes: Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024,
    streamsOut,
    mdnsOut
  }
}

/** The edgevpn process among those in namespace `netns`. */
function daemonPid (netns: string): string {
  const pids = execFileSync('ip', ['netns', 'pids', netns], { encoding: 'utf8' }).split('\n').filter(pid => pid !== '')
  const pid = pids.find(candidate => {
    try { return readFileSync(`/proc/${candidate}/cmdline`, 'utf8').includes('edgevpn') } catch { return false }
  })
  if (pid === undefined) throw new Error(`no edgevpn process in ${netns}`)
  return pid
}

function summarize (nodes: number, meshSeconds: number, before: Snapshot[], after: Snapshot[]): SizeResult {
  const perHour = (bytes: number, a: Snapshot, b: Snapshot): number => bytes / MB * 3_600_000 / (b.at - a.at)
  const average = (values: number[]): number => values.reduce((sum, value) => sum + value, 0) / values.length
  const sent = new Map<string, number[]>()
  const add = (sender: string, value: number): void => { sent.set(sender, [...(sent.get(sender) ?? []), value]) }
  for (const [i, b] of after.entries()) {
    const a = before[i]
    let accounted = b.mdnsOut - a.mdnsOut
    for (const [protocol, bytes] of b.streamsOut) {
      const sentBytes = bytes - (a.streamsOut.get(protocol) ?? 0)
      accounted += sentBytes
      add(`stream ${protocol}`, perHour(sentBytes, a, b))
    }
    add('mDNS', perHour(b.mdnsOut - a.mdnsOut, a, b))
    add('the rest: encryption, muxing, TCP/IP, ARP', perHour(b.linkBytesOut - a.linkBytesOut - accounted, a, b))
  }
  return {
    nodes,
    meshSeconds,
    linkMBPerHour: average(after.map((b, i) => perHour(b.linkBytes - before[i].linkBytes, before[i], b))),
    cpuPercent: average(after.map((b, i) => (b.cpuTicks - before[i].cpuTicks) / TICKS_PER_SECOND * 100_000 / (b.at - before[i].at))),
    rssMB: average(after.map(b => b.rssBytes / MB)),
    // a protocol a node never used counts as 0 for it
    sentMBPerHourBy: Object.fromEntries([...sent].map(([sender, values]) => [sender, values.reduce((sum, value) => sum + value, 0) / nodes]))
  }
}

/** Every sample of metric `name` in a Prometheus text body, with its labels. */
function sampleValues (body: string, name: string): Array<[Record<string, string>, number]> {
  const samples: Array<[Record<string, string>, number]> = []
  for (const line of body.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue
    const labels: Record<string, string> = {}
    for (const [, key, value] of line.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[key] = value
    samples.push([labels, Number(line.slice(line.lastIndexOf(' ') + 1))])
  }
  return samples
}

main().catch((err: Error) => {
  console.error(`idle-cost: ${err.message}`)
  process.exitCode = 1
})
