/**
 * What the soak watches for leaks in every daemon (from its `GET /metrics`) and how much growth
 * per hour it tolerates. docs/soak.md explains the figures.
 */

export interface LeakMetric {
  /** Short name in the table and the JSON report, e.g. `rss`. */
  readonly id: string
  /** The Prometheus metric; samples of all its label sets are summed. */
  readonly metric: string
  /** Unit of the bound and of the reported values. */
  readonly unit: string
  /** Divides the metric's value into `unit`. */
  readonly scale: number
  /** The largest growth per hour and daemon that passes. */
  readonly boundPerHour: number
  /**
   * For exact counts: a net rise of at most this much over the judged window passes whatever its
   * slope. Replacing a connection or a fast channel's socket pair moves a count by a step, and a
   * 10-minute run cannot tell one late step from a trend; a leak outgrows it in a longer run.
   * @default 0
   */
  readonly step?: number
}

/**
 * Slopes are fitted on the lowest sample of each window of this many seconds: what a leak raises
 * is the floor (memory left after garbage collection, fds and streams still open after the
 * short-lived ones closed), while peaks come and go with the traffic.
 */
export const FLOOR_WINDOW_SECONDS = 60

const MIB = 1024 * 1024

/**
 * The memory bounds are what a 10-minute run (3 minutes of warm-up) resolves without failing
 * healthy daemons: bulk transfers raise RSS in steps of 10-15 MiB (allocator high-water marks)
 * and the heap floor climbs between major collections. They catch a runaway daemon by far (the
 * DHCP-mode backlog in docs/soak.md grew RSS by gigabytes per hour). The floors of fds,
 * connections and streams are exact counts and must stay flat, but for one reconnection's step.
 */
export const LEAK_METRICS: readonly LeakMetric[] = [
  { id: 'rss', metric: 'process_resident_memory_bytes', unit: 'MiB', scale: MIB, boundPerHour: 128 },
  { id: 'heap', metric: 'nodejs_heap_size_used_bytes', unit: 'MiB', scale: MIB, boundPerHour: 32 },
  { id: 'external', metric: 'nodejs_external_memory_bytes', unit: 'MiB', scale: MIB, boundPerHour: 32 },
  { id: 'fds', metric: 'process_open_fds', unit: 'fds', scale: 1, boundPerHour: 5, step: 2 },
  { id: 'connections', metric: 'edgevpn_libp2p_connections', unit: 'conns', scale: 1, boundPerHour: 2, step: 1 },
  { id: 'streams', metric: 'edgevpn_libp2p_streams', unit: 'streams', scale: 1, boundPerHour: 10 }
]

/**
 * A slope fails when even its optimistic end, the slope less two standard errors, is above the
 * bound: a short run's noise alone does not fail it, a real leak does.
 */
export const STDERR_MARGIN = 2

/** Traffic the soak must carry. */
export const TRAFFIC_BOUNDS = {
  /** Largest share of lost VPN pings, per ordered pair of nodes. */
  pingLoss: 0.01,
  /** Largest share of DNS queries without the right answer. */
  dnsFailures: 0.02,
  /** Longest a ledger write may take to be read on every node, in ms. */
  ledgerVisibleMs: 30_000
} as const
