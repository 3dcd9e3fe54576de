/**
 * The HTTP API of an edgevpn node, compatible with Go edgevpn's `api` package and its clients:
 * the server (TCP or a unix socket, with systemd socket activation), a client mirroring Go's
 * `api/client`, and the Kairos coordination layer on top of it (`api/client/service`).
 *
 * @example
 *
 * ```ts
 * import { createApiServer, createApiClient } from './api/index.js'
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
export { createApiClient } from './client.js'
export type { ApiClient, ApiClientInit } from './client.js'
export { createServiceClient } from './service-client.js'
export type { ServiceClient, ServiceClientInit } from './service-client.js'
export { AnnouncingLedgerWriter } from './ledger-writer.js'
export type { LedgerWriter, AnnouncingLedgerWriterInit } from './ledger-writer.js'
export type { NodeView, PeerView } from './node-view.js'
export type { DnsRecords, DnsRecordSet } from './dns-records.js'
export { ZERO_STATS } from './metrics.js'
export { PrometheusText, PROMETHEUS_CONTENT_TYPE } from './prometheus.js'
export type { PrometheusSources, DataPlaneStats, GossipStats, Libp2pStats, RuntimeStats, MetricType, Sample } from './prometheus.js'
export type { Metrics, Stats } from './metrics.js'
export type { Machine, MachineStatus, Service, File, User, Peer, Summary, PeerEntry, DnsEntry, LedgerSnapshot } from './wire-types.js'
export { parseListenAddress, parseSocketMode, DEFAULT_SOCKET_MODE, UNIX_SOCKET_SCHEME } from './listen-address.js'
export type { ListenAddress } from './listen-address.js'
export { ApiListenError, ApiClientError, KeyNotFoundError } from './errors.js'
export { ApiTokenAuth, ApiTokenError, checkApiToken, SESSION_COOKIE } from './token-auth.js'
export type { AuthRequest } from './token-auth.js'
