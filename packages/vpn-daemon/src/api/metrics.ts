/** Go libp2p `metrics.Stats`: byte totals and rates in bytes per second. */
export interface Stats {
  readonly TotalIn: number
  readonly TotalOut: number
  readonly RateIn: number
  readonly RateOut: number
}

export const ZERO_STATS: Stats = { TotalIn: 0, TotalOut: 0, RateIn: 0, RateOut: 0 }

/**
 * Bandwidth counters behind `/api/metrics*` (Go's `metrics.Reporter`). A peer or protocol
 * missing from a map reads as zeros.
 */
export interface Metrics {
  totals: () => Stats
  /** By protocol ID, e.g. `/edgevpn/0.1`. */
  byProtocol: () => ReadonlyMap<string, Stats>
  /** By base58 peer ID. */
  byPeer: () => ReadonlyMap<string, Stats>
}
