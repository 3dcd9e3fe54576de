/** The shapes of what the benchmarks measure, as written to the JSON results. */
import type { IperfResult, PingStats } from './measure.js'
import type { TargetCheck } from './targets.js'

/** A value for each of the two daemons. */
export interface PerDaemon {
  sender: number
  receiver: number
}

/** What the daemons of a tunnel used while it was measured. */
export interface DaemonUsage {
  /** Per cent of one core during the 1-stream and the 4-stream iperf3 run. */
  cpuPercentTcp1: PerDaemon
  cpuPercentTcp4: PerDaemon
  /** Resident memory after the first ping and the idle pings, before any bulk traffic. */
  rssIdleMiB: PerDaemon
  /** Largest resident memory over the whole run (VmHWM). */
  rssPeakMiB: PerDaemon
}

/** One path from the sender host to an address of the receiver host. */
export interface PathResult {
  /** 100 pings 20 ms apart on the idle path. */
  pingIdle: PingStats
  tcp1: IperfResult
  /** Pings 50 ms apart during the 1-stream iperf3 run. */
  pingLoaded: PingStats
  tcp4: IperfResult
  /** Only for a tunnel. */
  daemons?: DaemonUsage
}

export interface TunnelResult extends PathResult {
  /** From starting both daemons to the first ping answered through the tunnel. */
  firstPingMs: number
  /** The machine's 1-minute load average when the measurement began (others' load shows here). */
  loadAverage: number
  daemons: DaemonUsage
}

export type ContenderOutcome =
  | { name: string, status: 'measured', description: string, result: TunnelResult }
  | { name: string, status: 'skipped', reason: string }
  | { name: string, status: 'failed', description: string, reason: string }

export interface VpnSuiteResult {
  /** Seconds per iperf3 run. */
  seconds: number
  raw: PathResult
  contenders: ContenderOutcome[]
}

/** One mesh size of the ledger benchmark (`ledger-convergence.js`). */
export interface LedgerRow {
  nodes: number
  writes: number
  /** Writes some node still could not read after a minute; they are left out of the percentiles. */
  unconverged: number
  /** Time until the slowest node could read a write, over the converged writes, ms. */
  p50: number
  p99: number
  max: number
  /** Gossip and libp2p upkeep bytes sent per node per minute once the ledger is quiet. */
  idleBytesPerNodeMinute: number
  idleSeconds: number
  blockBytes: number
  /** Time until 100 writes spread over the nodes were readable everywhere, ms; `null` (NaN) when not within 5 minutes. */
  burstMs: number
}

export interface LedgerResult {
  rows: LedgerRow[]
  /** Why a mesh size has no row. */
  failures: string[]
}

/** Everything one `npm run bench` measured, as written to `bench/results/bench-*.json`. */
export interface BenchReport {
  /** ISO time the run started. */
  date: string
  /** The command line that produced it. */
  command: string
  machine: { cpus: number, cpuModel: string, kernel: string, loadAverageAtStart: number[] }
  vpn: VpnSuiteResult
  /** Absent with `--skip-ledger`. */
  ledger?: LedgerResult
  targets: TargetCheck[]
}
