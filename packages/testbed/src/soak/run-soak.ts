/**
 * The soak: a mesh of daemons under mixed traffic for a while, sampled for leaks. See
 * docs/soak.md for what it measures and why the bounds are what they are.
 */
import { pingUntilUp } from '../lab/lab-tools.js'
import { FLOOR_WINDOW_SECONDS, LEAK_METRICS, STDERR_MARGIN, TRAFFIC_BOUNDS } from './leak-bounds.js'
import { MeshLab } from './mesh-lab.js'
import { Pinger } from './pinger.js'
import { sumMetric } from './prometheus-samples.js'
import { SOAK_BUCKET, dnsRound, ledgerRound, sleep, transferRound } from './soak-traffic.js'
import { fitTrend, windowMinima } from './trend.js'
import { startTransferServer } from './transfers.js'
import type { MeshLabInit } from './mesh-lab.js'
import type { DnsRound, LedgerRound, TransferRound } from './soak-traffic.js'
import type { Point } from './trend.js'

export interface SoakOptions {
  /** How long the traffic runs, warm-up included. */
  minutes: number
  /** Samples before this are left out of the slopes. @default a third of `minutes`, at most 3 */
  warmupMinutes?: number
  /** @default 5 */
  nodes?: number
  /** How the daemons get their VPN addresses (see {@link MeshLabInit}). @default 'static' */
  addressing?: MeshLabInit['addressing']
  /** Where the daemons keep their state; must exist. */
  stateDir: string
  /** @default 10 */
  sampleSeconds?: number
  /** @default 16 MiB */
  transferBytes?: number
  /** Seconds between the starts of two bulk transfers. @default 30 */
  transferIntervalSeconds?: number
  /** Seconds between the starts of two ledger writes. @default 5 */
  ledgerIntervalSeconds?: number
  /** Seconds between two DNS queries. @default 10 */
  dnsIntervalSeconds?: number
  /** Lab namespace prefix. @default 'evtsk' */
  prefix?: string
  /** Underlay /24 of the lab. @default '10.254.95' */
  subnet?: string
  /** Ends the traffic early (the report covers what ran). */
  signal?: AbortSignal
  /** Progress lines. @default none */
  log?: (line: string) => void
}

/** One `/metrics` reading of one daemon, values in the units of {@link LEAK_METRICS}. */
export interface SoakSample {
  node: string
  /** Seconds since the traffic started. */
  t: number
  values: Record<string, number>
}

export interface SlopeResult {
  node: string
  metric: string
  unit: string
  /** First and last value after the warm-up. */
  first: number
  last: number
  perHour: number
  stderrPerHour: number
  boundPerHour: number
  points: number
  passed: boolean
}

export interface PairLoss {
  from: string
  to: string
  sent: number
  received: number
}

export interface SoakReport {
  passed: boolean
  /** Every reason the soak failed, one line each. */
  failures: string[]
  startedAt: string
  /** Minutes the traffic actually ran. */
  minutes: number
  warmupMinutes: number
  addressing: 'dhcp' | 'static'
  nodes: Array<{ name: string, address: string }>
  slopes: SlopeResult[]
  pings: PairLoss[]
  transfers: TransferRound[]
  ledger: LedgerRound[]
  dns: DnsRound[]
  samples: SoakSample[]
}

const MIB = 1024 * 1024

export async function runSoak (options: SoakOptions): Promise<SoakReport> {
  const log = options.log ?? (() => {})
  const warmupMinutes = options.warmupMinutes ?? Math.min(3, options.minutes / 3)
  if (!(options.minutes > 0)) throw new RangeError(`soak minutes must be positive, got ${options.minutes}`)
  if (!(warmupMinutes >= 0 && warmupMinutes < options.minutes)) throw new RangeError(`the warm-up (${warmupMinutes} min) must be shorter than the soak (${options.minutes} min)`)
  const sampleMs = (options.sampleSeconds ?? 10) * 1000
  const nodeCount = options.nodes ?? 5

  const addressing = options.addressing ?? 'static'
  const mesh = await MeshLab.create({ prefix: options.prefix ?? 'evtsk', nodes: nodeCount, subnet: options.subnet ?? '10.254.95', stateDir: options.stateDir, addressing })
  const pingers: Pinger[] = []
  try {
    log(`starting ${nodeCount} daemons (${addressing === 'dhcp' ? 'DHCP' : 'static addresses'}, DNS, API on unix sockets, ledger on disk) in namespaces ${mesh.nodes[0].host.netns}..${nodeCount}`)
    const addresses = await mesh.startAll()
    log(`addresses ${mesh.nodes.map(node => `${node.name}=${node.address ?? ''}`).join(', ')}`)
    await Promise.all(mesh.nodes.map(async node => { await startTransferServer(mesh.lab, node.host) }))
    for (const from of mesh.nodes) {
      for (const to of mesh.nodes) if (from !== to) await pingUntilUp(mesh.lab, from.host, addresses[to.index], 90_000)
    }
    log('every pair pings; traffic starts')

    for (const from of mesh.nodes) {
      for (const to of mesh.nodes) if (from !== to) pingers.push(new Pinger(mesh.lab, { from: from.host, address: addresses[to.index] }))
    }
    for (const pinger of pingers) pinger.start()
    const started = Date.now()
    const startedAt = new Date(started).toISOString()
    const end = started + options.minutes * 60_000
    const elapsed = (): number => (Date.now() - started) / 1000
    const report: SoakReport = {
      passed: false, failures: [], startedAt, minutes: 0, warmupMinutes, addressing, nodes: mesh.nodes.map(node => ({ name: node.name, address: node.address ?? '' })),
      slopes: [], pings: [], transfers: [], ledger: [], dns: [], samples: []
    }
    const running = (): boolean => Date.now() < end && options.signal?.aborted !== true
    const transferBytes = options.transferBytes ?? 16 * MIB

    await Promise.all([
      repeat(running, end, sampleMs, async () => {
        const t = elapsed()
        await Promise.all(mesh.nodes.map(async node => {
          const body = await mesh.metrics(node.index).catch((err: Error) => { report.failures.push(`${node.name}: /metrics failed at ${t.toFixed(0)} s: ${err.message}`) })
          if (body !== undefined) report.samples.push({ node: node.name, t, values: readLeakMetrics(body) })
        }))
      }),
      repeat(running, end, (options.ledgerIntervalSeconds ?? 5) * 1000, async seq => {
        report.ledger.push(await ledgerRound(mesh, seq, TRAFFIC_BOUNDS.ledgerVisibleMs))
      }),
      repeat(running, end, (options.dnsIntervalSeconds ?? 10) * 1000, async seq => {
        report.dns.push(await dnsRound(mesh, seq))
      }),
      repeat(running, end, (options.transferIntervalSeconds ?? 30) * 1000, async seq => {
        const round = await transferRound(mesh, seq, transferBytes, 60_000)
        report.transfers.push(round)
        log(`transfer ${round.from} → ${round.to}: ${round.intact ? `${((round.ms ?? 0) / 1000).toFixed(1)} s` : `FAILED: ${round.error ?? ''}`}`)
      }),
      repeat(running, end, 60_000, async () => {
        if (elapsed() >= 1) log(`${(elapsed() / 60).toFixed(0)} of ${options.minutes} min`)
      })
    ])
    report.minutes = elapsed() / 60
    await Promise.all(pingers.map(async pinger => { await pinger.stop() }))
    report.pings = pingers.map(pinger => ({ from: nodeName(mesh, pinger.from.netns), to: nodeName(mesh, pinger.address, true), sent: pinger.sent, received: pinger.received }))

    await checkEndState(mesh, report)
    report.slopes = computeSlopes(report.samples, mesh.nodes.map(node => node.name), warmupMinutes * 60)
    collectFailures(report)
    report.passed = report.failures.length === 0
    return report
  } finally {
    await Promise.all(pingers.map(async pinger => { await pinger.stop() }))
    await mesh.destroy()
  }
}

/**
 * Runs `round(seq)` every `intervalMs` (start to start; back to back when a round takes longer)
 * while `running()`, the last start before `end`.
 */
async function repeat (running: () => boolean, end: number, intervalMs: number, round: (seq: number) => Promise<void>): Promise<void> {
  for (let seq = 0; running(); seq++) {
    const next = Date.now() + intervalMs
    await round(seq)
    while (running() && Date.now() < Math.min(next, end)) await sleep(Math.min(1000, Math.min(next, end) - Date.now()))
  }
}

/** The leak metrics in their units, and the VPN's dropped packets (for diagnosing ping loss). */
function readLeakMetrics (body: string): Record<string, number> {
  const values: Record<string, number> = {}
  for (const leak of LEAK_METRICS) {
    const value = sumMetric(body, leak.metric)
    // A family without samples (no stream open) is a zero.
    values[leak.id] = (value ?? 0) / leak.scale
  }
  values.vpnDrops = sumMetric(body, 'edgevpn_vpn_dropped_packets_total') ?? 0
  return values
}

function nodeName (mesh: MeshLab, netnsOrAddress: string, byAddress = false): string {
  return mesh.nodes.find(node => byAddress ? node.address === netnsOrAddress : node.host.netns === netnsOrAddress)?.name ?? netnsOrAddress
}

/** Every daemon still runs, addresses are unique, and the ledger reads the same everywhere. */
async function checkEndState (mesh: MeshLab, report: SoakReport): Promise<void> {
  for (const node of mesh.nodes) if (!mesh.running(node.index)) report.failures.push(`${node.name}: the daemon exited during the soak`)
  const addresses = mesh.nodes.map(node => node.address)
  if (new Set(addresses).size !== addresses.length) report.failures.push(`two nodes have the same VPN address: ${addresses.join(', ')}`)
  for (const node of mesh.nodes) {
    const machines = await mesh.api(node.index).machines().catch(() => [])
    const leased = machines.map(machine => machine.Address)
    if (new Set(leased).size !== leased.length) report.failures.push(`${node.name}: the machines bucket lists an address twice: ${leased.join(', ')}`)
  }
  const converged = await ledgerConverged(mesh, 30_000)
  if (converged !== undefined) report.failures.push(`the ledger did not converge within 30 s after the traffic: ${converged}`)
}

/** `undefined` once every node reads the same soak bucket, else what still differs. */
export async function ledgerConverged (mesh: MeshLab, timeoutMs: number, bucket: string = SOAK_BUCKET): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const buckets = await Promise.all(mesh.nodes.map(async node => await mesh.api(node.index).getBucket(bucket).catch((err: Error) => err)))
    const texts = buckets.map(b => b instanceof Error ? `error: ${b.message}` : JSON.stringify([...b].sort(([x], [y]) => x < y ? -1 : x > y ? 1 : 0)))
    const differing = mesh.nodes.filter((_, i) => texts[i] !== texts[0]).map(node => node.name)
    if (differing.length === 0 && !(buckets[0] instanceof Error)) return undefined
    if (Date.now() > deadline) return `${mesh.nodes[0].name} reads ${texts[0]}; ${differing.join(', ')} read otherwise`
    await sleep(1000)
  }
}

export function computeSlopes (samples: readonly SoakSample[], nodes: readonly string[], warmupSeconds: number): SlopeResult[] {
  const results: SlopeResult[] = []
  for (const node of nodes) {
    const measured = samples.filter(sample => sample.node === node && sample.t >= warmupSeconds).sort((a, b) => a.t - b.t)
    for (const leak of LEAK_METRICS) {
      const series: Point[] = measured.map(sample => ({ t: sample.t, value: sample.values[leak.id] }))
      const fitted = windowMinima(series, FLOOR_WINDOW_SECONDS)
      if (fitted.length < 3) continue
      const trend = fitTrend(fitted)
      const netRise = fitted[fitted.length - 1].value - fitted[0].value
      results.push({
        node,
        metric: leak.id,
        unit: leak.unit,
        first: series[0].value,
        last: series[series.length - 1].value,
        perHour: trend.perHour,
        stderrPerHour: trend.stderrPerHour,
        boundPerHour: leak.boundPerHour,
        points: trend.points,
        passed: trend.perHour - STDERR_MARGIN * trend.stderrPerHour <= leak.boundPerHour || netRise <= (leak.step ?? 0)
      })
    }
  }
  return results
}

function collectFailures (report: SoakReport): void {
  const { failures } = report
  if (report.slopes.length === 0) failures.push('too few samples after the warm-up to compute any slope (run longer)')
  for (const slope of report.slopes) {
    if (!slope.passed) failures.push(`${slope.node}: ${slope.metric} grows ${slope.perHour.toFixed(1)} ± ${slope.stderrPerHour.toFixed(1)} ${slope.unit}/h, bound ${slope.boundPerHour} ${slope.unit}/h`)
  }
  for (const pair of report.pings) {
    const loss = pair.sent === 0 ? 1 : 1 - pair.received / pair.sent
    if (loss > TRAFFIC_BOUNDS.pingLoss) failures.push(`ping ${pair.from} → ${pair.to}: ${(loss * 100).toFixed(2)} % lost (${pair.received}/${pair.sent}), bound ${TRAFFIC_BOUNDS.pingLoss * 100} %`)
  }
  for (const round of report.transfers) if (!round.intact) failures.push(`transfer ${round.from} → ${round.to} failed: ${round.error ?? ''}`)
  for (const round of report.ledger) if (round.visibleMs === undefined) failures.push(`ledger write ${round.writer} ${round.key} not read back on ${round.missing.join(', ')} within ${TRAFFIC_BOUNDS.ledgerVisibleMs / 1000} s`)
  const dnsFailed = report.dns.filter(round => !round.ok)
  if (report.dns.length > 0 && dnsFailed.length / report.dns.length > TRAFFIC_BOUNDS.dnsFailures) {
    failures.push(`DNS: ${dnsFailed.length} of ${report.dns.length} queries without the right answer (e.g. ${dnsFailed[0].name} on ${dnsFailed[0].from}: "${dnsFailed[0].answer}")`)
  }
}
