/**
 * @packageDocumentation
 *
 * Go edgevpn's network services over the mesh, wire-compatible with it: TCP service tunnels
 * (`/edgevpn/service/0.1`) and file transfer (`/edgevpn/file/0.1`). Providers announce
 * themselves in the `services` and `files` buckets; clients announce themselves in `users`, and
 * providers reset streams from peers that have no `users` entry.
 *
 * @example
 *
 * ```ts
 * import { connectService, exposeService } from '@edgevpn/vpn-daemon'
 *
 * // on the peer next to the web server
 * const exposed = await exposeService({ libp2p: node.host.libp2p, ledger: node.ledger, logger }, { name: 'web', address: '127.0.0.1:8080' })
 * // on another peer: 127.0.0.1:9090 now reaches that web server
 * const connected = await connectService({ libp2p: other.host.libp2p, ledger: other.ledger, logger }, { name: 'web', listen: '127.0.0.1:9090' })
 * ```
 */

export { exposeService, connectService, SERVICE_PROTOCOL } from './tcp-tunnel.js'
export type { ExposeServiceInit, ConnectServiceInit, ConnectedService, TunnelOptions } from './tcp-tunnel.js'
export { shareFile, receiveFile, checkSharedFile, checkReceivePath, FILE_PROTOCOL } from './file-share.js'
export type { ShareFileInit, ReceiveFileInit } from './file-share.js'
export type { RunningService, ServiceComponents, UsersGateOptions } from './service-types.js'
export { pipeStreamAndSocket } from './pipe.js'
export type { PipeInit } from './pipe.js'
export { StreamSocket, IncompleteStreamError, PAUSED_READ_ALLOWANCE } from '../net/stream-socket.js'
export { announceUser, isUser, usersOnly, userValue } from './users.js'
export { announceProvider, findProvider, providerValue } from './providers.js'
export type { ProviderBucket } from './providers.js'
export { parseHostPort } from '../net/host-port.js'
export type { HostPort } from '../net/host-port.js'
export { TaskGroup } from './task-group.js'
export { NotAUserError, TunnelIdleError, TooManyTransfersError, ServiceConfigError } from './errors.js'
