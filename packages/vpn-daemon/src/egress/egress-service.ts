import { createServer, request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { connect } from 'node:net'
import { announceUpdate, BUCKETS } from '@edgevpn/ledger'
import { NotAUserError } from '../services/errors.js'
import { isUser } from '../services/users.js'
import { CONNECTION_ESTABLISHED, endToEndHeaders, sendTextError, tunnel, writeTextError } from './forwarding.js'
import { BadTargetError, connectTarget, httpTarget } from './http-target.js'
import { StreamSocket } from '../net/stream-socket.js'
import { BlockedTargetError, pinnedLookup, TargetGuard } from './target-guard.js'
import type { TargetGuardInit } from './target-guard.js'
import type { Announcement, Ledger } from '@edgevpn/ledger'
import type { Logger } from '@edgevpn/mesh-core'
import type { Connection, Libp2p, Stream } from '@libp2p/interface'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'

/** Go edgevpn's egress protocol: one HTTP/1.1 request and its response per stream. */
export const EGRESS_PROTOCOL = '/edgevpn/egress/0.1'

export interface EgressServiceComponents {
  libp2p: Pick<Libp2p, 'handle' | 'unhandle'>
  ledger: Ledger
  /** This node's base58 peer ID: its key in the `egress` bucket. */
  peerId: string
  logger: Logger
}

export interface EgressServiceInit extends TargetGuardInit {
  /**
   * Max interval of the loop that keeps `egress[self] = "ok"` in the ledger, in ms
   * (`--egress-announce-time`).
   *
   * @default 200000
   */
  announceIntervalMs?: number
  /**
   * Streams served at once; more are reset.
   *
   * @default 64
   */
  maxConcurrent?: number
  /**
   * Largest accepted request head (request line and headers), in bytes; larger ones get a 431.
   *
   * @default 16384
   */
  maxHeaderBytes?: number
  /**
   * Time a peer has to send the request head, in ms.
   *
   * @default 30000
   */
  headTimeoutMs?: number
  /**
   * Time the origin may stay silent (connecting, or between bytes of its response), in ms.
   *
   * @default 60000
   */
  originTimeoutMs?: number
}

/**
 * The HTTP egress of Go edgevpn (`pkg/services/egress.go`): announces itself in the `egress`
 * bucket and serves `/edgevpn/egress/0.1` streams from peers that have a `users` entry, others
 * are reset. A stream carries one HTTP/1.x request; the origin is the `Host` header (TLS for
 * port 443) or an absolute URI; the response goes back in HTTP/1.1 wire form and the stream is
 * closed. Redirects are not followed.
 *
 * Beyond Go: `CONNECT host:port` opens a TCP tunnel (so HTTPS works through the proxy);
 * destinations on the egress host, its LANs and the VPN are refused unless `allowPrivate` is set
 * (see {@link TargetGuard}); errors are answered (403 refused destination, 502 origin failure)
 * rather than a bare reset; the number of streams served at once is bounded.
 *
 * @example
 *
 * ```ts
 * const egress = new EgressService({ libp2p, ledger, peerId, logger }, { blockedSubnets: ['10.1.0.0/24'] })
 * await egress.start()
 * ```
 */
export class EgressService {
  readonly #components: EgressServiceComponents
  readonly #guard: TargetGuard
  readonly #announceIntervalMs: number
  readonly #maxConcurrent: number
  readonly #headTimeoutMs: number
  readonly #originTimeoutMs: number
  readonly #server
  /** Open streams, with the timer that waits for their request head. */
  readonly #open = new Map<StreamSocket, NodeJS.Timeout | undefined>()
  #announcement: Announcement | undefined

  constructor (components: EgressServiceComponents, init: EgressServiceInit = {}) {
    this.#components = components
    this.#guard = new TargetGuard(init)
    this.#announceIntervalMs = init.announceIntervalMs ?? 200_000
    this.#maxConcurrent = init.maxConcurrent ?? 64
    this.#headTimeoutMs = init.headTimeoutMs ?? 30_000
    this.#originTimeoutMs = init.originTimeoutMs ?? 60_000
    // Never listens: streams are handed to it as connections.
    this.#server = createServer({ maxHeaderSize: init.maxHeaderBytes ?? 16_384 })
    this.#server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      this.#gotHead(request)
      this.#forward(request, response)
    })
    this.#server.on('connect', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      this.#gotHead(request)
      this.#openTunnel(request, socket, head).catch((err: unknown) => { socket.destroy(err as Error) })
    })
  }

  async start (): Promise<void> {
    const { libp2p, ledger, peerId, logger } = this.#components
    await libp2p.handle(EGRESS_PROTOCOL, (stream, connection) => { this.#accept(stream, connection) })
    this.#announcement = announceUpdate(ledger, BUCKETS.egress, peerId, 'ok', {
      intervalMs: this.#announceIntervalMs,
      onError: err => { logger.warn('egress announce failed', { error: String(err) }) }
    })
    logger.info('egress started')
  }

  async stop (): Promise<void> {
    await this.#components.libp2p.unhandle(EGRESS_PROTOCOL)
    await this.#announcement?.stop()
    for (const socket of this.#open.keys()) socket.destroy()
  }

  #accept (stream: Stream, connection: Connection): void {
    const { ledger, logger } = this.#components
    const peer = connection.remotePeer.toString()
    if (!isUser(ledger, peer)) {
      logger.debug('refused egress stream from a peer without a users entry', { peer })
      stream.abort(new NotAUserError(peer))
      return
    }
    if (this.#open.size >= this.#maxConcurrent) {
      logger.warn('egress busy: stream refused', { peer, open: this.#open.size })
      stream.abort(new Error(`egress busy: ${this.#open.size} streams open`))
      return
    }
    const socket = new StreamSocket(stream)
    this.#open.set(socket, setTimeout(() => { socket.destroy(new Error('no request head in time')) }, this.#headTimeoutMs))
    socket.once('close', () => {
      clearTimeout(this.#open.get(socket))
      this.#open.delete(socket)
    })
    // Streams reset by the peer surface here; they end the exchange, nothing more.
    socket.on('error', (err: Error) => { logger.debug('egress stream failed', { peer, error: err.message }) })
    this.#server.emit('connection', socket)
  }

  #gotHead (request: IncomingMessage): void {
    const socket = request.socket as unknown as StreamSocket
    clearTimeout(this.#open.get(socket))
    this.#open.set(socket, undefined)
  }

  #forward (request: IncomingMessage, response: ServerResponse): void {
    // One request per stream, as in Go.
    response.shouldKeepAlive = false
    this.#resolve(request.url ?? '/', () => httpTarget(request.url ?? '/', request.headers.host)).then(found => {
      if ('status' in found) {
        sendTextError(response, found.status, found.message)
        request.resume()
        return
      }
      const { target, lookup } = found
      const origin = (target.secure ? httpsRequest : httpRequest)({
        host: target.hostname,
        port: target.port,
        method: request.method,
        path: target.path,
        headers: endToEndHeaders(request.rawHeaders),
        lookup,
        agent: false,
        timeout: this.#originTimeoutMs
      })
      origin.on('timeout', () => { origin.destroy(new Error(`origin ${target.hostname}:${target.port} timed out`)) })
      origin.on('response', (answer: IncomingMessage) => {
        response.writeHead(answer.statusCode ?? 502, answer.statusMessage, endToEndHeaders(answer.rawHeaders))
        answer.pipe(response)
        answer.on('error', (err: Error) => { response.destroy(err) })
      })
      origin.on('error', (err: Error) => {
        this.#components.logger.debug('egress origin request failed', { host: target.hostname, error: err.message })
        if (response.headersSent) response.destroy(err)
        else sendTextError(response, 502, `egress: ${err.message}`)
      })
      request.pipe(origin)
    }, (err: unknown) => { response.destroy(err as Error) })
  }

  async #openTunnel (request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const found = await this.#resolve(request.url ?? '', () => connectTarget(request.url ?? ''))
    if ('status' in found) {
      writeTextError(socket, found.status, found.message)
      return
    }
    const { target, lookup } = found
    const upstream = connect({ host: target.hostname, port: target.port, lookup, allowHalfOpen: true, timeout: this.#originTimeoutMs })
    let connected = false
    upstream.once('timeout', () => { upstream.destroy(new Error(`connecting to ${target.hostname}:${target.port} timed out`)) })
    upstream.once('error', (err: Error) => {
      this.#components.logger.debug('egress tunnel failed', { target: request.url, error: err.message })
      if (!connected) writeTextError(socket, 502, `egress: ${err.message}`)
    })
    upstream.once('connect', () => {
      connected = true
      // The tunnel may stay idle as long as its ends like.
      upstream.setTimeout(0)
      socket.write(CONNECTION_ESTABLISHED)
      if (head.length > 0) upstream.write(head)
      void tunnel(socket, upstream)
    })
  }

  /** The destination and a lookup pinned to its allowed addresses, or the error to answer. */
  async #resolve<T extends { hostname: string }> (text: string, parse: () => T): Promise<{ target: T, lookup: ReturnType<typeof pinnedLookup> } | { status: number, message: string }> {
    try {
      const target = parse()
      return { target, lookup: pinnedLookup(await this.#guard.addresses(target.hostname)) }
    } catch (err) {
      if (err instanceof BadTargetError) return { status: 400, message: err.message }
      if (err instanceof BlockedTargetError) {
        this.#components.logger.info('egress refused a destination', { target: text, reason: err.message })
        return { status: 403, message: err.message }
      }
      return { status: 502, message: `egress: cannot resolve ${JSON.stringify(text)}: ${(err as Error).message}` }
    }
  }
}
