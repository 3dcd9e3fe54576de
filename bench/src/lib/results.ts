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

/** One mesh size of the scale benchmark (`scale.js`): real daemons, one per namespace. */
export interface ScaleRow {
  nodes: number
  /** Seconds from starting the daemons until every node had the connections it dials. */
  meshSeconds: number
  /** Sampled pairs that pinged over the VPN within 30 s, of those tried. */
  pairsPinged: number
  pairsTried: number
  /** Ledger writes readable on every node, of those made; and p50 / p99 of the time until then. */
  writesSeen: number
  writesMade: number
  writeP50Ms: number
  writeP99Ms: number
  /** The slowest node's first API answer after a write, ms (median over the writes): how busy the APIs are. */
  writePollMs: number
  /** Daemons whose API answered after the writes. */
  apisAnswering: number
  /** Per node, averaged over the window at rest: link bytes (in + out) per hour. */
  linkMBPerHour: number
  cpuPercent: number
  /** Largest and average resident memory of a daemon at the end of the window (1 MB = 10^6 bytes). */
  rssMB: number
  rssMaxMB: number
  /** Per node, averaged: bytes sent per hour, by what sent them (streams count their payload). */
  sentMBPerHourBy: Record<string, number>
}

export interface ScaleResult {
  /** Seconds at rest before the window, and the window's length. */
  settleSeconds: number
  windowSeconds: number
  rows: ScaleRow[]
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
  /** Absent with `--skip-scale`. */
  scale?: ScaleResult
  targets: TargetCheck[]
}
