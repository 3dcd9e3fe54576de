/**
 * The HTTP API server of an edgevpn node, compatible with Go edgevpn's `api` package and its
 * clients (TCP or a unix socket, with systemd socket activation). The client and the wire types
 * are `@edgevpn/api-client`.
 *
 * @example
 *
 * ```ts
 * import { createApiClient } from '@edgevpn/api-client'
 * import { createApiServer } from './api/index.js'
 *
 * const api = createApiServer({ listen: 'unix:///run/edgevpn.sock', ledger, node })
 * await api.start()
 *
 * const client = createApiClient({ host: 'unix:///run/edgevpn.sock' })
 * await client.put('b', 'f', 'bar')
 * console.log(await client.getBucketKey('b', 'f')) // '"bar"', once the write is announced
 * ```
 */

export { createApiServer } from './server.js'
export type { ApiServer, ApiServerInit } from './server.js'
export { AnnouncingLedgerWriter } from './ledger-writer.js'
export type { LedgerWriter, AnnouncingLedgerWriterInit } from './ledger-writer.js'
export type { NodeView } from './node-view.js'
export type { DnsRecords, DnsRecordSet } from './dns-records.js'
export { ZERO_STATS } from './metrics.js'
export { PrometheusText, PROMETHEUS_CONTENT_TYPE } from './prometheus.js'
export type { PrometheusSources, DataPlaneStats, GossipStats, Libp2pStats, RuntimeStats, MetricType, Sample } from './prometheus.js'
export type { Metrics, Stats } from './metrics.js'
export { parseListenAddress, parseSocketMode, DEFAULT_SOCKET_MODE } from './listen-address.js'
export type { ListenAddress } from './listen-address.js'
export { ApiTokenAuth, SESSION_COOKIE } from './token-auth.js'
export { ApiListenError } from './errors.js'
export type { AuthRequest } from './token-auth.js'
