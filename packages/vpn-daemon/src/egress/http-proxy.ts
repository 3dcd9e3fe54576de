import { createServer, request as httpRequest } from 'node:http'
import { peerIdFromString } from '@libp2p/peer-id'
import { EGRESS_PROTOCOL } from './egress-service.js'
import { CONNECTION_ESTABLISHED, endToEndHeaders, sendTextError, tunnel, writeTextError } from './forwarding.js'
import { lookupPort, splitHostPort } from '../net/host-port.js'
import { BadTargetError, connectTarget, httpTarget } from './http-target.js'
import { pickEgress } from './pick-egress.js'
import { StreamSocket } from '../net/stream-socket.js'
import type { HttpTarget } from './http-target.js'
import type { Ledger } from '@edgevpn/ledger'
import type { Logger } from '@edgevpn/mesh-core'
import type { Libp2p, PeerId } from '@libp2p/interface'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'

export interface HttpProxyComponents {
  libp2p: Pick<Libp2p, 'dialProtocol'>
  ledger: Ledger
  logger: Logger
}

export interface HttpProxyInit {
  /**
   * TCP address to listen on, Go style: `host:port`, `:port` for every interface, named ports.
   *
   * @default ':8080'
   */
  listen?: string
  /**
   * An egress counts only with a heartbeat younger than this, in ms (`--dead-interval`).
   *
   * @default 600000
   */
  deadIntervalMs?: number
  /**
   * Time to open a stream to the chosen egress, in ms.
   *
   * @default 15000
   */
  dialTimeoutMs?: number
  /**
   * Client connections served at once; more are refused by the listening socket.
   *
   * @default 256
   */
  maxConnections?: number
  /**
   * How long `stop()` lets requests and tunnels in flight finish before closing them, in ms.
   *
   * @default 5000
   */
  shutdownTimeoutMs?: number
  /** Picks among the egress candidates; a number in [0, 1). @default Math.random */
  random?: () => number
}

/** The local proxy of `edgevpn proxy` could not listen. */
export class ProxyListenError extends Error {
  override name = 'ProxyListenError'
}

/** The answer when no egress is known and alive; Go's text. */
export const NO_EGRESS_MESSAGE = 'no egress nodes available'

/**
 * The local HTTP proxy of Go edgevpn's `proxy` command (`cmd/proxy.go`): every request goes to
 * a random live egress of the `egress` bucket over `/edgevpn/egress/0.1`, with errors answered as
 * Go does (503 `no egress nodes available`, 500 when the egress cannot be reached, 503 when the
 * exchange with it fails). Beyond Go it forwards `CONNECT host:port` as a tunnel through the
 * egress, so HTTPS works through it.
 *
 * @example
 *
 * ```ts
 * const proxy = new HttpProxy({ libp2p, ledger, logger }, { listen: '127.0.0.1:8080' })
 * await proxy.start()
 * // curl -x http://127.0.0.1:8080 https://example.com/
 * ```
 */
export class HttpProxy {
  readonly #components: HttpProxyComponents
  readonly #listen: string
  readonly #deadIntervalMs: number
  readonly #dialTimeoutMs: number
  readonly #shutdownTimeoutMs: number
  readonly #random: () => number
  readonly #server
  readonly #tunnels = new Set<Duplex>()
  #address: string | undefined

  constructor (components: HttpProxyComponents, init: HttpProxyInit = {}) {
    this.#components = components
    this.#listen = init.listen ?? ':8080'
    this.#deadIntervalMs = init.deadIntervalMs ?? 600_000
    this.#dialTimeoutMs = init.dialTimeoutMs ?? 15_000
    this.#shutdownTimeoutMs = init.shutdownTimeoutMs ?? 5_000
    this.#random = init.random ?? Math.random
    this.#server = createServer()
    this.#server.maxConnections = init.maxConnections ?? 256
    this.#server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      this.#proxy(request, response).catch((err: unknown) => { response.destroy(err as Error) })
    })
    this.#server.on('connect', (request: IncomingMessage, client: Duplex, head: Buffer) => {
      this.#tunnels.add(client)
      client.once('close', () => this.#tunnels.delete(client))
      client.on('error', (err: Error) => { this.#components.logger.debug('proxy client connection failed', { error: err.message }) })
      this.#connect(request, client, head).catch((err: unknown) => { client.destroy(err as Error) })
    })
  }

  /** The bound `host:port` once started. */
  get address (): string | undefined {
    return this.#address
  }

  /** @throws ProxyListenError when the address is invalid or cannot be bound */
  async start (): Promise<void> {
    let host: string
    let port: number
    try {
      const split = splitHostPort(this.#listen)
      host = split.host
      port = lookupPort(split.port)
    } catch (err) {
      throw new ProxyListenError(`proxy --listen ${JSON.stringify(this.#listen)}: ${(err as Error).message}`)
    }
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => { reject(new ProxyListenError(`proxy cannot listen on ${this.#listen}: ${err.message}`, { cause: err })) }
      this.#server.once('error', onError)
      this.#server.listen(port, host === '' ? undefined : host, () => {
        this.#server.off('error', onError)
        resolve()
      })
    })
    const bound = this.#server.address()
    if (typeof bound === 'object' && bound !== null) this.#address = bound.family === 'IPv6' ? `[${bound.address}]:${bound.port}` : `${bound.address}:${bound.port}`
    this.#components.logger.info('proxy listening', { address: this.#address })
  }

  /** Stops accepting, lets requests and tunnels in flight finish for a while, then cuts them. */
  async stop (): Promise<void> {
    if (!this.#server.listening) return
    const closed = new Promise<void>(resolve => { this.#server.close(() => { resolve() }) })
    this.#server.closeIdleConnections()
    const force = setTimeout(() => {
      this.#server.closeAllConnections()
      for (const tunnelEnd of this.#tunnels) tunnelEnd.destroy()
    }, this.#shutdownTimeoutMs)
    await closed
    clearTimeout(force)
    this.#address = undefined
  }

  /**
   * The egress to use and a stream to it, or the Go status and text to answer with.
   */
  async #openEgressStream (): Promise<{ socket: StreamSocket } | { status: number, message: string }> {
    const chosen = pickEgress(this.#components.ledger, this.#deadIntervalMs, this.#random)
    if (chosen === undefined) return { status: 503, message: NO_EGRESS_MESSAGE }
    let peer: PeerId
    try {
      peer = peerIdFromString(chosen)
    } catch (err) {
      return { status: 500, message: `invalid egress peer ID ${JSON.stringify(chosen)}: ${(err as Error).message}` }
    }
    try {
      const stream = await this.#components.libp2p.dialProtocol(peer, EGRESS_PROTOCOL, { signal: AbortSignal.timeout(this.#dialTimeoutMs) })
      return { socket: new StreamSocket(stream) }
    } catch (err) {
      this.#components.logger.debug('cannot open a stream to the egress', { peer: chosen, error: (err as Error).message })
      return { status: 500, message: `cannot reach egress ${chosen}: ${(err as Error).message}` }
    }
  }

  async #proxy (request: IncomingMessage, response: ServerResponse): Promise<void> {
    let target: HttpTarget
    try {
      target = httpTarget(request.url ?? '/', request.headers.host)
    } catch (err) {
      if (!(err instanceof BadTargetError)) throw err
      sendTextError(response, 400, err.message)
      return
    }
    const opened = await this.#openEgressStream()
    if ('status' in opened) {
      sendTextError(response, opened.status, opened.message)
      request.resume()
      return
    }
    const { socket } = opened
    // The egress finds the origin in the Host header (and TLS by its port 443).
    const headers = endToEndHeaders(request.rawHeaders, ['host'])
    const upstream = httpRequest({
      createConnection: () => socket,
      method: request.method,
      path: target.path,
      headers: ['Host', hostHeader(target), ...headers]
    })
    upstream.on('response', (answer: IncomingMessage) => {
      response.writeHead(answer.statusCode ?? 503, answer.statusMessage, endToEndHeaders(answer.rawHeaders))
      answer.pipe(response)
      answer.on('error', (err: Error) => { response.destroy(err) })
    })
    upstream.on('error', (err: Error) => {
      this.#components.logger.debug('proxied request failed', { url: request.url, error: err.message })
      if (response.headersSent) response.destroy(err)
      else sendTextError(response, 503, `egress exchange failed: ${err.message}`)
    })
    request.pipe(upstream)
  }

  async #connect (request: IncomingMessage, client: Duplex, head: Buffer): Promise<void> {
    const authority = request.url ?? ''
    try {
      connectTarget(authority)
    } catch (err) {
      if (!(err instanceof BadTargetError)) throw err
      writeTextError(client, 400, err.message)
      return
    }
    const opened = await this.#openEgressStream()
    if ('status' in opened) {
      writeTextError(client, opened.status, opened.message)
      return
    }
    const upstream = httpRequest({ createConnection: () => opened.socket, method: 'CONNECT', path: authority, headers: { Host: authority } })
    let tunneled = false
    upstream.on('connect', (answer: IncomingMessage, egress: Duplex, egressHead: Buffer) => {
      tunneled = true
      if (answer.statusCode !== 200) {
        egress.destroy()
        writeTextError(client, answer.statusCode ?? 503, `egress refused the tunnel to ${authority}: ${answer.statusCode ?? ''} ${answer.statusMessage ?? ''}`)
        return
      }
      this.#tunnels.add(egress)
      egress.once('close', () => this.#tunnels.delete(egress))
      client.write(CONNECTION_ESTABLISHED)
      if (egressHead.length > 0) client.write(egressHead)
      if (head.length > 0) egress.write(head)
      void tunnel(client, egress)
    })
    upstream.on('error', (err: Error) => {
      this.#components.logger.debug('proxied tunnel failed', { target: authority, error: err.message })
      if (!tunneled) writeTextError(client, 503, `egress exchange failed: ${err.message}`)
    })
    upstream.end()
  }
}

/** `host[:port]` for the Host header; port 80 is implied, 443 stays so that the egress uses TLS. */
function hostHeader ({ hostname, port }: HttpTarget): string {
  const host = hostname.includes(':') ? `[${hostname}]` : hostname
  return port === 80 ? host : `${host}:${port}`
}
