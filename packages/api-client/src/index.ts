/**
 * @packageDocumentation
 *
 * A client of the edgevpn HTTP API that behaves as Go edgevpn's `api/client` (over TCP or a unix
 * socket, with an optional bearer token), the Kairos coordination layer on top of it (Go's
 * `api/client/service`: a service bucket with advertised nodes and keys), and the JSON shapes
 * of the API (`@edgevpn/api-client/wire-types`, free of runtime code, for the web dashboard).
 * It works against Go daemons and ours alike.
 *
 * @example
 *
 * ```ts
 * import { createApiClient, createServiceClient } from '@edgevpn/api-client'
 *
 * const client = createApiClient({ host: 'unix:///run/edgevpn-kairos.sock' })
 * await client.put('b', 'f', 'bar')
 * console.log(await client.getBucketKey('b', 'f'))   // '"bar"', once the write is announced
 * console.log((await client.machines()).map(machine => machine.Address))
 *
 * const service = createServiceClient({ client, serviceId: 'kairos' })
 * await service.advertize('node-a')
 * console.log(await service.advertizingNodes(), await service.activeNodes())
 * ```
 */

export { createApiClient, UNIX_SOCKET_SCHEME } from './client.js'
export type { ApiClient, ApiClientInit } from './client.js'
export { createServiceClient } from './service-client.js'
export type { ServiceClient, ServiceClientInit } from './service-client.js'
export { ApiClientError, KeyNotFoundError } from './errors.js'
export { apiTokenFlags, apiTokenFromFlags, checkApiToken, ApiTokenError } from './api-token.js'
export {
  MACHINE_FIELDS, SERVICE_FIELDS, FILE_FIELDS, USER_FIELDS, SUMMARY_FIELDS
} from './wire-types.js'
export type {
  Machine, MachineStatus, Service, File, User, Peer, PeerView, PeerEntry, Summary, DnsEntry, LedgerSnapshot
} from './wire-types.js'
