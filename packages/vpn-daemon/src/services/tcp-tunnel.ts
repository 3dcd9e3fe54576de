/**
 * TCP service tunnelling over the mesh (Go `pkg/services/services.go`, spec §8.1): one peer
 * exposes a TCP address under a service name, others open a local TCP port that reaches it.
 * The wire is Go's: protocol `/edgevpn/service/0.1`, raw bytes, no header. Because the stream
 * carries no service name, a process can expose one service (as in Go).
 */
import { connect, createServer } from 'node:net'
import { once } from 'node:events'
import { BUCKETS } from '@edgevpn/ledger'
import { ServiceConfigError, TooManyTransfersError } from './errors.js'
import { parseHostPort } from '../net/host-port.js'
import { pipeStreamAndSocket } from './pipe.js'
import { announceProvider, findProvider } from './providers.js'
import { TaskGroup } from './task-group.js'
import { announceUser, usersOnly } from './users.js'
import type { HostPort } from '../net/host-port.js'
import type { RunningService, ServiceComponents, UsersGateOptions } from './service-types.js'
import type { Logger } from '@edgevpn/mesh-core'
import type { Stream } from '@libp2p/interface'
import type { AddressInfo, Server, Socket } from 'node:net'

export const SERVICE_PROTOCOL = '/edgevpn/service/0.1'

export interface TunnelOptions {
  /** Max interval of the announce loop in ms (`--ledger-announce-interval`). @default 10000 */
  announceIntervalMs?: number
  /** Most tunnels open at once in this service; more are refused. @default 256 */
  maxTunnels?: number
  /** Close a tunnel after this many ms without traffic; 0 never does (Go). @default 0 */
  idleTimeoutMs?: number
  /** Limit for the TCP dial (exposing side) or stream open (connecting side), in ms. @default 15000 */
  dialTimeoutMs?: number
}

export interface ExposeServiceInit extends TunnelOptions, UsersGateOptions {
  /** The service name: its key in the `services` bucket. */
  name: string
  /** The TCP address every tunnel dials, Go `host:port`. */
  address: string
}

export interface ConnectServiceInit extends TunnelOptions {
  /** The name of the service to reach. */
  name: string
  /** The local TCP address to accept connections on, `host:port` or `:port` (every interface). */
  listen: string
}

export interface ConnectedService extends RunningService {
  /** Where the local listener is bound (the actual port when `listen` asked for port 0). */
  readonly address: AddressInfo
}

const DEFAULT_MAX_TUNNELS = 256
const DEFAULT_DIAL_TIMEOUT_MS = 15_000

/**
 * Exposes `address` as service `name`: announces it in the `services` bucket and, for every
 * stream from a peer with a `users` entry, dials `address` and pumps bytes both ways. A failed
 * dial resets the stream.
 *
 * @throws ServiceConfigError when `address` is not `host:port`
 */
export async function exposeService (components: ServiceComponents, init: ExposeServiceInit): Promise<RunningService> {
  const { libp2p, ledger } = components
  const logger = components.logger.child('service')
  const target = parseHostPort(init.address, 'service address')
  const maxTunnels = init.maxTunnels ?? DEFAULT_MAX_TUNNELS
  const dialTimeoutMs = init.dialTimeoutMs ?? DEFAULT_DIAL_TIMEOUT_MS
  const tunnels = new TaskGroup(maxTunnels)

  await libp2p.handle(SERVICE_PROTOCOL, usersOnly(ledger, logger, async (stream, connection) => {
    const peer = connection.remotePeer.toString()
    const started = tunnels.tryStart(async (stop) => {
      const socket = await dialTcp(target, AbortSignal.any([stop, AbortSignal.timeout(dialTimeoutMs)])).catch((err: Error) => {
        logger.warn('could not reach the service address', { address: init.address, error: err.message })
        stream.abort(err)
      })
      if (socket === undefined) return
      await tunnel(stream, socket, stop, init, logger, { peer })
    })
    if (!started) stream.abort(new TooManyTransfersError(maxTunnels))
  }, init), { runOnLimitedConnection: true, maxInboundStreams: maxTunnels })

  const announcement = announceProvider(ledger, BUCKETS.services, init.name, libp2p.peerId.toString(), {
    intervalMs: init.announceIntervalMs ?? 10_000,
    onError: err => { logger.warn('announcing the service failed', { error: err }) }
  })
  logger.info('exposing a TCP service', { name: init.name, address: init.address })

  return {
    stop: async () => {
      await libp2p.unhandle(SERVICE_PROTOCOL)
      await announcement.stop()
      await tunnels.close(new Error('service stopped'))
    }
  }
}

/**
 * Reaches service `name` through a local TCP listener: announces us in the `users` bucket and,
 * for every accepted connection, opens a stream to the peer the `services` bucket names and
 * pumps bytes both ways. Without a provider, or when the stream cannot be opened, the
 * connection is closed.
 *
 * Streams may run over relayed (limited) connections, so peers behind NAT stay reachable; Go
 * allows that only with `--transient-conn`, which does not exist on its service commands.
 *
 * @throws ServiceConfigError when `listen` is not an address or cannot be bound
 */
export async function connectService (components: ServiceComponents, init: ConnectServiceInit): Promise<ConnectedService> {
  const { libp2p, ledger } = components
  const logger = components.logger.child('service')
  const bind = parseHostPort(init.listen, 'listen address')
  const maxTunnels = init.maxTunnels ?? DEFAULT_MAX_TUNNELS
  const dialTimeoutMs = init.dialTimeoutMs ?? DEFAULT_DIAL_TIMEOUT_MS
  const tunnels = new TaskGroup(maxTunnels)

  const server = createServer(socket => {
    // until the tunnel's pump listens, an early reset must not be an unhandled 'error'
    socket.on('error', () => {})
    const started = tunnels.tryStart(async (stop) => {
      const provider = findProvider(ledger, BUCKETS.services, init.name)
      if (provider === undefined) {
        logger.debug('no peer provides the service yet', { name: init.name })
        socket.destroy()
        return
      }
      const stream = await libp2p.dialProtocol(provider, SERVICE_PROTOCOL, {
        runOnLimitedConnection: true,
        maxOutboundStreams: maxTunnels,
        signal: AbortSignal.any([stop, AbortSignal.timeout(dialTimeoutMs)])
      }).catch((err: Error) => {
        logger.warn('could not open a stream to the service', { name: init.name, peer: provider.toString(), error: err.message })
        socket.destroy()
      })
      if (stream === undefined) return
      await tunnel(stream, socket, stop, init, logger, { peer: provider.toString() })
    })
    if (!started) socket.destroy()
  })
  const address = await listenTcp(server, bind, init.listen)
  server.on('error', err => { logger.warn('the service listener failed', { error: err.message }) })

  const announcement = announceUser(ledger, libp2p.peerId.toString(), {
    intervalMs: init.announceIntervalMs ?? 10_000,
    onError: err => { logger.warn('announcing the user failed', { error: err }) }
  })
  logger.info('connecting a TCP service', { name: init.name, listen: `${address.address}:${address.port}` })

  return {
    address,
    stop: async () => {
      server.close()
      await announcement.stop()
      await tunnels.close(new Error('service stopped'))
    }
  }
}

/** One tunnel until it closes; `stop` cuts it. */
async function tunnel (stream: Stream, socket: Socket, stop: AbortSignal, options: TunnelOptions, logger: Logger, fields: Record<string, string>): Promise<void> {
  const cut = (): void => {
    stream.abort(stop.reason instanceof Error ? stop.reason : new Error('service stopped'))
    socket.destroy()
  }
  if (stop.aborted) cut()
  else stop.addEventListener('abort', cut, { once: true })
  try {
    const error = await pipeStreamAndSocket(stream, socket, { idleTimeoutMs: options.idleTimeoutMs })
    logger.debug('tunnel closed', { ...fields, error: error?.message })
  } finally {
    stop.removeEventListener('abort', cut)
  }
}

async function dialTcp (target: HostPort, signal: AbortSignal): Promise<Socket> {
  const socket = connect({ host: target.host ?? 'localhost', port: target.port, signal })
  // the pump takes over error handling; before that an error must not go unhandled
  socket.on('error', () => {})
  try {
    await once(socket, 'connect', { signal })
  } catch (err) {
    socket.destroy()
    throw err
  }
  return socket
}

async function listenTcp (server: Server, bind: HostPort, text: string): Promise<AddressInfo> {
  try {
    server.listen({ host: bind.host, port: bind.port })
    await once(server, 'listening')
  } catch (err) {
    throw new ServiceConfigError(`cannot listen on ${text}: ${(err as Error).message}`, { cause: err })
  }
  return server.address() as AddressInfo
}
