/**
 * The targets of the project, checked against one run: edgevpn against nebula measured on the
 * same lab in the same run, absolute limits, and the cost of a mesh at rest as it grows.
 */
import { formatNumber } from './table.js'
import type { ContenderOutcome, ScaleResult, ScaleRow, TunnelResult, VpnSuiteResult } from './results.js'

export interface TargetCheck {
  target: string
  measured: string
  /** `NO DATA` when a figure it needs was not measured (contender skipped or failed). */
  status: 'PASS' | 'FAIL' | 'NO DATA'
}

/** Throughput on one stream relative to nebula's, measured in the same run (issue 8: ratio >= 1.0). */
export const MIN_THROUGHPUT_VS_NEBULA = 1.0
export const MAX_LOADED_PING_P99_MS = 5
export const MAX_IDLE_PING_VS_NEBULA = 2
export const MAX_IDLE_RSS_MB = 120
export const MAX_FIRST_PING_MS = 3000

const MIB_PER_MB = 1e6 / 2 ** 20

interface Verdict {
  measured: string
  pass: boolean
}

/** The scale targets (issue 15): a mesh this large, at rest, per node. */
export const SCALE_NODES = 100
export const SCALE_BASE_NODES = 10
export const MAX_REST_MB_PER_HOUR = 5
export const MAX_REST_CPU_PERCENT = 0.5
export const MAX_REST_GROWTH = 1.5
export const MAX_WRITE_P99_MS = 1000

const settle = (target: string, verdict: Verdict | undefined): TargetCheck => verdict === undefined
  ? { target, measured: 'not measured', status: 'NO DATA' }
  : { target, measured: verdict.measured, status: verdict.pass ? 'PASS' : 'FAIL' }

export function checkTargets (vpn: VpnSuiteResult, scale?: ScaleResult): TargetCheck[] {
  const ours = measured(vpn.contenders, 'edgevpn')
  const nebula = measured(vpn.contenders, 'nebula')
  const alone = (target: string, evaluate: (ours: TunnelResult) => Verdict): TargetCheck =>
    settle(target, ours === undefined ? undefined : evaluate(ours))
  const againstNebula = (target: string, evaluate: (ours: TunnelResult, nebula: TunnelResult) => Verdict): TargetCheck =>
    settle(target, ours === undefined || nebula === undefined ? undefined : evaluate(ours, nebula))

  return [
    againstNebula(`TCP 1 stream >= ${MIN_THROUGHPUT_VS_NEBULA}x nebula`, (ours, nebula) => {
      const ratio = ours.tcp1.mbitPerSecond / nebula.tcp1.mbitPerSecond
      return { measured: `${ratio.toFixed(2)}x (${formatNumber(ours.tcp1.mbitPerSecond)} / ${formatNumber(nebula.tcp1.mbitPerSecond)} Mbit/s)`, pass: ratio >= MIN_THROUGHPUT_VS_NEBULA }
    }),
    alone(`ping under load p99 < ${MAX_LOADED_PING_P99_MS} ms`, ours => ({
      measured: `${formatNumber(ours.pingLoaded.p99, 2)} ms (${ours.pingLoaded.received}/${ours.pingLoaded.sent} replies)`,
      pass: ours.pingLoaded.p99 < MAX_LOADED_PING_P99_MS && ours.pingLoaded.received === ours.pingLoaded.sent
    })),
    againstNebula(`idle ping p50 <= ${MAX_IDLE_PING_VS_NEBULA}x nebula`, (ours, nebula) => {
      const ratio = ours.pingIdle.p50 / nebula.pingIdle.p50
      return { measured: `${ratio.toFixed(1)}x (${formatNumber(ours.pingIdle.p50, 3)} / ${formatNumber(nebula.pingIdle.p50, 3)} ms)`, pass: ratio <= MAX_IDLE_PING_VS_NEBULA }
    }),
    alone(`idle RSS per daemon < ${MAX_IDLE_RSS_MB} MB`, ours => {
      const largestMB = Math.max(ours.daemons.rssIdleMiB.sender, ours.daemons.rssIdleMiB.receiver) / MIB_PER_MB
      return { measured: `${formatNumber(largestMB)} MB (larger of the two)`, pass: largestMB < MAX_IDLE_RSS_MB }
    }),
    alone(`first ping < ${MAX_FIRST_PING_MS / 1000} s after start`, ours => ({
      measured: `${formatNumber(ours.firstPingMs / 1000, 2)} s`,
      pass: ours.firstPingMs < MAX_FIRST_PING_MS
    })),
    ...(scale === undefined ? [] : checkScaleTargets(scale))
  ]
}

function checkScaleTargets (scale: ScaleResult): TargetCheck[] {
  const large = scale.rows.find(row => row.nodes === SCALE_NODES)
  const base = scale.rows.find(row => row.nodes === SCALE_BASE_NODES)
  const atLarge = (target: string, evaluate: (row: ScaleRow) => Verdict): TargetCheck => settle(target, large === undefined ? undefined : evaluate(large))
  return [
    atLarge(`${SCALE_NODES} daemons form one mesh: all sampled pairs ping, writes on all with p99 < ${MAX_WRITE_P99_MS / 1000} s, every API answers`, row => ({
      measured: `${row.pairsPinged}/${row.pairsTried} pairs, ${row.writesSeen}/${row.writesMade} writes, p99 ${formatNumber(row.writeP99Ms, 0)} ms, ${row.apisAnswering}/${row.nodes} APIs`,
      pass: row.pairsPinged === row.pairsTried && row.writesSeen === row.writesMade && row.writeP99Ms < MAX_WRITE_P99_MS && row.apisAnswering === row.nodes
    })),
    atLarge(`at rest, ${SCALE_NODES} nodes: < ${MAX_REST_MB_PER_HOUR} MB/h per node`, row => ({
      measured: `${formatNumber(row.linkMBPerHour, 2)} MB/h`, pass: row.linkMBPerHour < MAX_REST_MB_PER_HOUR
    })),
    atLarge(`at rest, ${SCALE_NODES} nodes: < ${MAX_REST_CPU_PERCENT} % of a core per daemon`, row => ({
      measured: `${formatNumber(row.cpuPercent, 2)} %`, pass: row.cpuPercent < MAX_REST_CPU_PERCENT
    })),
    settle(`at rest, ${SCALE_NODES} nodes cost <= ${MAX_REST_GROWTH}x ${SCALE_BASE_NODES} nodes per node (traffic and CPU)`,
      large === undefined || base === undefined ? undefined : growth(large, base)),
    atLarge(`RSS per daemon < ${MAX_IDLE_RSS_MB} MB at ${SCALE_NODES} nodes`, row => ({
      measured: `${formatNumber(row.rssMaxMB, 0)} MB largest (${formatNumber(row.rssMB, 0)} MB average)`, pass: row.rssMaxMB < MAX_IDLE_RSS_MB
    }))
  ]
}

/** How much more a node of the larger mesh spends at rest than one of the smaller. */
function growth (large: ScaleRow, base: ScaleRow): Verdict {
  const traffic = large.linkMBPerHour / base.linkMBPerHour
  const cpu = large.cpuPercent / base.cpuPercent
  return { measured: `traffic ${traffic.toFixed(2)}x, CPU ${cpu.toFixed(2)}x`, pass: traffic <= MAX_REST_GROWTH && cpu <= MAX_REST_GROWTH }
}

function measured (outcomes: ContenderOutcome[], name: string): TunnelResult | undefined {
  const outcome = outcomes.find(o => o.name === name)
  return outcome?.status === 'measured' ? outcome.result : undefined
}
