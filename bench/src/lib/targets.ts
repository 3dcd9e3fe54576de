/**
 * The speed targets of the project, checked against one run of the VPN comparison: edgevpn
 * against nebula measured on the same lab in the same run, and absolute limits.
 */
import { formatNumber } from './table.js'
import type { ContenderOutcome, TunnelResult, VpnSuiteResult } from './results.js'

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

export function checkTargets (vpn: VpnSuiteResult): TargetCheck[] {
  const ours = measured(vpn.contenders, 'edgevpn')
  const nebula = measured(vpn.contenders, 'nebula')
  const settle = (target: string, verdict: Verdict | undefined): TargetCheck => verdict === undefined
    ? { target, measured: 'not measured', status: 'NO DATA' }
    : { target, measured: verdict.measured, status: verdict.pass ? 'PASS' : 'FAIL' }
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
    }))
  ]
}

function measured (outcomes: ContenderOutcome[], name: string): TunnelResult | undefined {
  const outcome = outcomes.find(o => o.name === name)
  return outcome?.status === 'measured' ? outcome.result : undefined
}
