/**
 * The Prometheus text exposition format (version 0.0.4) for `GET /metrics`, and the counters the
 * daemon can feed into it beyond what the API reads anyway (ledger, peer table).
 */

/** Data-plane totals (the VPN's counters). */
export interface DataPlaneStats {
  readonly packetsIn: number
  readonly bytesIn: number
  readonly packetsOut: number
  readonly bytesOut: number
  /** Packets not delivered, by reason. */
  readonly drops: Readonly<Record<string, number>>
  /** Inbound data-plane streams reset because the peer is not a member. */
  readonly refusedStreams: number
  /** Fast-channel sockets closed for a missing or invalid hello, or for breaking the record format. */
  readonly rejectedFastSockets: number
}

/** Gossip hub counters (the ledger topic's `GossipHubStats`). */
export interface GossipStats {
  readonly received: number
  readonly delivered: number
  readonly published: number
  readonly publishFailed: number
  /** Received messages dropped, by reason. */
  readonly dropped: Readonly<Record<string, number>>
}

/** The daemon process's resources, for leak hunting (the soak test's slopes). */
export interface RuntimeStats {
  readonly residentBytes: number
  readonly heapUsedBytes: number
  readonly heapTotalBytes: number
  /** Memory of C++ objects bound to JavaScript ones, ArrayBuffers included. */
  readonly externalBytes: number
  /** Open file descriptors, or undefined where `/proc/self/fd` does not exist. */
  readonly openFds: number | undefined
}

/** What the libp2p host holds open right now. */
export interface Libp2pStats {
  readonly connections: number
  /** Open streams by protocol ID (`unknown` while a stream is still negotiating). */
  readonly streams: ReadonlyMap<string, number>
  /** Bytes carried by streams since start, by protocol ID. */
  readonly streamBytes?: ReadonlyMap<string, { readonly bytesIn: number, readonly bytesOut: number }>
  /** mDNS datagram bytes sent and read since start (undefined without mDNS). */
  readonly mdnsBytes?: { readonly bytesIn: number, readonly bytesOut: number }
}

/** Optional counters for `/metrics`; a missing source leaves its metrics out. */
export interface PrometheusSources {
  /** The VPN's counters; undefined while the VPN is not up yet (then its families are left out). */
  dataPlane?: () => DataPlaneStats | undefined
  gossip?: () => GossipStats
  runtime?: () => RuntimeStats
  libp2p?: () => Libp2pStats
}

/** The MIME type of the text format. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

export type MetricType = 'counter' | 'gauge'

/** One sample: its label values by label name, and the value. */
export type Sample = readonly [labels: Readonly<Record<string, string>>, value: number]

/** Writes metric families one after the other: HELP and TYPE lines, then the samples. */
export class PrometheusText {
  readonly #lines: string[] = []

  family (name: string, type: MetricType, help: string, samples: readonly Sample[]): this {
    this.#lines.push(`# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${name} ${type}`)
    for (const [labels, value] of samples) this.#lines.push(`${name}${formatLabels(labels)} ${formatValue(value)}`)
    return this
  }

  toString (): string {
    return this.#lines.join('\n') + '\n'
  }
}

function formatLabels (labels: Readonly<Record<string, string>>): string {
  const pairs = Object.entries(labels).map(([name, value]) => `${name}="${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
  return pairs.length === 0 ? '' : `{${pairs.join(',')}}`
}

function formatValue (value: number): string {
  if (Number.isNaN(value)) return 'NaN'
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf'
  return String(value)
}
