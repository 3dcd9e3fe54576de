/**
 * Scale benchmark: a mesh of real `edgevpn` daemons (VPN on, API, mDNS, no DHT), one per network
 * namespace on one bridge, at several sizes: does it form and work, and what does each node
 * spend on it while nobody uses it, and on what.
 *
 * For each mesh size: start every daemon, wait until each is connected to all the others (or to
 * the 8 a daemon dials by default), ping 20 sampled pairs over the VPN, write 20 ledger keys and
 * time each until every node's API reads it, check that every daemon answers; then let it
 * settle and over a window read per node the bytes on its link (`/sys/class/net/eth0`), the CPU
 * time of its daemon (`/proc/<pid>/stat`), its RSS, and from its `GET /metrics` the bytes of each
 * libp2p protocol's streams and of mDNS. Figures are scaled to one hour; JSON and an SVG chart
 * of the cost against the mesh size go to bench/results/.
 *
 *   npm run build && node bench/dist/scale.js [--sizes 10,50,100] [--settle 60] [--window 120] [--json FILE]
 *
 * `--json FILE` also writes the result there (`npm run bench` reads it).
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { constants, tmpdir } from 'node:os'
import { join } from 'node:path'
import { DEFAULT_LOW_WATER } from '@edgevpn/mesh-core'
import { netnsUnavailableReason } from '@edgevpn/testbed/lab'
import { pingOnce } from '@edgevpn/testbed/lab/tools'
import { ledgerRound, MeshLab, metricSamples } from '@edgevpn/testbed/soak'
import { renderBarChart } from './lib/chart.js'
import { checkFlags, flagValue, readFlagsOrExit } from './lib/flags.js'
import { percentile, sleep } from './lib/measure.js'
import { Progress } from './lib/progress.js'
import { writeResult } from './lib/results-dir.js'
import { scaleSection } from './lib/report.js'
import { formatNumber } from './lib/table.js'
import type { ScaleResult, ScaleRow } from './lib/results.js'

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

/**
 * The daemons' heartbeat interval (their default), the default measuring window: daemons started
 * together beat together, so a shorter window holds a whole round of heartbeats or none.
 */
const HEARTBEAT_SECONDS = 120
const argv = process.argv.slice(2)
const { sizes, settleSeconds, windowSeconds, jsonFile } = readFlagsOrExit('scale', () => {
  checkFlags(argv, ['--sizes', '--settle', '--window', '--json'], [], '--sizes 10,50,100, --settle S, --window S, --json FILE')
  return {
    sizes: (flagValue(argv, '--sizes') ?? '10,50,100').split(',').map(Number),
    settleSeconds: Number(flagValue(argv, '--settle') ?? 60),
    windowSeconds: Number(flagValue(argv, '--window') ?? HEARTBEAT_SECONDS),
    jsonFile: flagValue(argv, '--json')
  }
})
const TICKS_PER_SECOND = 100
const MB = 1e6
const SAMPLED_PAIRS = 20
const WRITES = 20
/** The ledger sync interval the daemons run with (their default). */
const SYNC_INTERVAL_SECONDS = 10
/**
 * The OTP period of the token, as `edgevpn -g` makes it: a rotation (new topics, every node
 * re-subscribing and syncing with each peer) inside a one-minute window would be scaled to an
 * hour as if it happened sixty times.
 */
const OTP_INTERVAL_SECONDS = 9000

async function main (): Promise<void> {
  const reason = netnsUnavailableReason()
  if (reason !== undefined) throw new Error(`cannot run: ${reason}`)
  for (const [name, value] of [['--sizes', Math.min(...sizes)], ['--settle', settleSeconds], ['--window', windowSeconds]] as const) {
    if (!Number.isInteger(value) || value < (name === '--sizes' ? 2 : 1)) throw new Error(`${name} must be ${name === '--sizes' ? 'mesh sizes of at least 2, comma-separated' : 'a positive number of seconds'}`)
  }
  const progress = new Progress()
  progress.plan(sizes.length)
  const rows: ScaleRow[] = []
  const failures: string[] = []
  for (const nodes of sizes) {
    progress.step(`${nodes} nodes: start, mesh, ${SAMPLED_PAIRS} pings, ${WRITES} writes, settle ${settleSeconds} s, measure ${windowSeconds} s`)
    try {
      rows.push(await measureSize(nodes, progress))
    } catch (err) {
      failures.push(`${nodes} nodes: ${(err as Error).message}`)
      progress.note(`failed: ${(err as Error).message}`)
    }
  }
  const started = new Date()
  const result: ScaleResult = { settleSeconds, windowSeconds, rows, failures }
  const file = writeResult('scale', started, 'json', JSON.stringify(result, null, 2) + '\n')
  if (jsonFile !== undefined) writeFileSync(jsonFile, JSON.stringify(result, null, 2))
  const chart = writeResult('scale', started, 'svg', renderBarChart({
    title: 'An idle edgevpn mesh: cost per node against mesh size',
    subtitle: `real daemons, one per network namespace on one bridge; ${windowSeconds} s window after ${settleSeconds} s at rest`,
    panels: [
      { title: 'Traffic on the node\'s link (in + out)', unit: 'MB/h', series: ['per node'], groups: rows.map(row => ({ label: `${row.nodes} nodes`, values: [row.linkMBPerHour] })) },
      { title: 'CPU of the daemon', unit: '% of a core', series: ['per node'], groups: rows.map(row => ({ label: `${row.nodes} nodes`, values: [row.cpuPercent] })) }
    ]
  }))
  console.log(scaleSection(result).join('\n'))
  console.log(`written to ${file}\nchart: ${chart}`)
  if (failures.length > 0) process.exitCode = 1
}

/**
 * Removes the mesh being measured (once, however often called): an interrupted run waits for it
 * before it exits. Ctrl-C reaches the daemons too, so the measurement may already be removing it.
 */
let removeMesh: (() => Promise<void>) | undefined
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`scale: ${signal}: stopping the daemons and removing their namespaces`)
    void (removeMesh?.() ?? Promise.resolve())
      .catch((err: Error) => { console.error(`scale: removing the mesh: ${err.message}`) })
      .finally(() => process.exit(128 + constants.signals[signal]))
  })
}

async function measureSize (nodes: number, progress: Progress): Promise<ScaleRow> {
  const stateDir = mkdtempSync(join(tmpdir(), 'evt-scale-'))
  const mesh = await MeshLab.create({
    prefix: 'evti', nodes, subnet: '10.254.80', stateDir, addressing: 'static', syncIntervalSeconds: SYNC_INTERVAL_SECONDS, otpIntervalSeconds: OTP_INTERVAL_SECONDS
  })
  let removing: Promise<void> | undefined
  removeMesh = async () => {
    removing ??= mesh.destroy().finally(() => { rmSync(stateDir, { recursive: true, force: true }) })
    await removing
  }
  try {
    const started = Date.now()
    await mesh.startAll()
    progress.note(`${nodes} daemons up after ${formatNumber((Date.now() - started) / 1000, 1)} s`)
    await mesh.waitForConnections(Math.min(nodes - 1, DEFAULT_LOW_WATER), formationTimeoutMs(nodes))
    const meshSeconds = (Date.now() - started) / 1000
    const pings = await pingSampledPairs(mesh)
    progress.note(`mesh formed after ${formatNumber(meshSeconds, 1)} s; ${pings.pinged}/${pings.tried} sampled pairs pinged`)
    const writes: number[] = []
    const polls: number[] = []
    for (let seq = 0; seq < WRITES; seq++) {
      const round = await ledgerRound(mesh, Math.floor(Math.random() * nodes), 30_000)
      if (round.visibleMs !== undefined) writes.push(round.visibleMs)
      polls.push(round.firstPollMs)
    }
    const apis = await Promise.all(mesh.nodes.map(async (_, i) => await mesh.metrics(i).then(() => true, () => false)))
    writes.sort((a, b) => a - b)
    progress.note(`${writes.length}/${WRITES} writes seen on every node (p99 ${formatNumber(percentile(writes, 0.99), 0)} ms); ${apis.filter(Boolean).length}/${nodes} APIs answer; at rest for ${settleSeconds + windowSeconds} s`)
    await sleep(settleSeconds * 1000)
    const before = await Promise.all(mesh.nodes.map(async (_, i) => await snapshot(mesh, i)))
    await sleep(windowSeconds * 1000)
    const after = await Promise.all(mesh.nodes.map(async (_, i) => await snapshot(mesh, i)))
    return {
      ...summarize(nodes, meshSeconds, before, after),
      pairsPinged: pings.pinged,
      pairsTried: pings.tried,
      writesSeen: writes.length,
      writesMade: WRITES,
      writeP50Ms: percentile(writes, 0.5),
      writeP99Ms: percentile(writes, 0.99),
      writePollMs: percentile(polls.sort((a, b) => a - b), 0.5),
      apisAnswering: apis.filter(Boolean).length
    }
  } finally {
    await removeMesh()
    removeMesh = undefined
  }
}

/**
 * Pings over the VPN between random ordered pairs (all pairs when there are fewer): a pair that
 * has no connection yet dials on its first packet. Each pair gets 30 s.
 */
async function pingSampledPairs (mesh: MeshLab): Promise<{ pinged: number, tried: number }> {
  const all = mesh.nodes.flatMap(from => mesh.nodes.filter(to => to !== from).map(to => [from, to] as const))
  const picked = new Set<number>()
  while (picked.size < Math.min(SAMPLED_PAIRS, all.length)) picked.add(Math.floor(Math.random() * all.length))
  const pairs = [...picked].map(i => all[i])
  const results = await Promise.all(pairs.map(async ([from, to]) => {
    const deadline = Date.now() + 30_000
    while (Date.now() < deadline) {
      if (await pingOnce(mesh.lab, from.host, to.address ?? '', 1) !== undefined) return true
    }
    return false
  }))
  return { pinged: results.filter(Boolean).length, tried: pairs.length }
}

/**
 * How long a mesh may take to form here: every daemon's start-up and first handshakes compete for
 * this machine's two cores (measured: 100 daemons keep both busy for about five minutes), which a
 * node on its own board does not.
 */
function formationTimeoutMs (nodes: number): number {
  return Math.max(180, 5 * nodes) * 1000
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
  for (const [labels, value] of metricSamples(body, 'edgevpn_libp2p_stream_bytes_total')) {
    if (labels.direction === 'out') streamsOut.set(labels.protocol, value)
  }
  const mdnsOut = metricSamples(body, 'edgevpn_mdns_bytes_total').find(([labels]) => labels.direction === 'out')?.[1] ?? 0
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

function summarize (nodes: number, meshSeconds: number, before: Snapshot[], after: Snapshot[]): Omit<ScaleRow, 'pairsPinged' | 'pairsTried' | 'writesSeen' | 'writesMade' | 'writeP50Ms' | 'writeP99Ms' | 'writePollMs' | 'apisAnswering'> {
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
    rssMaxMB: Math.max(...after.map(b => b.rssBytes / MB)),
    // a protocol a node never used counts as 0 for it
    sentMBPerHourBy: Object.fromEntries([...sent].map(([sender, values]) => [sender, values.reduce((sum, value) => sum + value, 0) / nodes]))
  }
}

main().catch((err: Error) => {
  console.error(`scale: ${err.message}`)
  process.exitCode = 1
})
