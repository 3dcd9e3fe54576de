/**
 * The DNS server of an edgevpn node (Go `--dns` / `edgevpn dns`): UDP and TCP on one address,
 * answering from the ledger and forwarding the rest.
 */

import { createSocket } from 'node:dgram'
import { createServer as createTcpServer } from 'node:net'
import { parseHostPort } from './address.js'
import { AnswerCache } from './cache.js'
import { InvalidAddressError } from './errors.js'
import { Forwarder } from './forwarder.js'
import { MeshZone } from './mesh-zone.js'
import { Responder, emptyStats } from './responder.js'
import type { HostPort } from './address.js'
import type { DnsServerStats, Transport } from './responder.js'
import type { Ledger } from '@edgevpn/ledger'
import type { Socket as UdpSocket } from 'node:dgram'
import type { Server as TcpServer, Socket } from 'node:net'

export const DEFAULT_UPSTREAMS: readonly string[] = ['8.8.8.8:53', '1.1.1.1:53']

/** Queries over TCP are small; a larger length prefix is garbage or abuse. */
const MAX_TCP_QUERY = 4096
/** Pipelined queries answered at once per connection; reading pauses beyond it. */
const MAX_TCP_IN_FLIGHT = 16
/** A client that does not read its replies loses the connection. */
const MAX_TCP_UNSENT = 256 * 1024
/** Attempts at finding a port free for both UDP and TCP when the port is 0. */
const PORT_ATTEMPTS = 10

export interface DnsServerInit {
  /** Where the `dns` and `machines` buckets are read. */
  ledger: Ledger
  /**
   * `host:port` for both UDP and TCP. An empty host binds every interface (Go's `dns`
   * subcommand listens on `:53` when `--listen` is empty); port 0 picks a free port.
   *
   * @default ':53'
   */
  listen?: string
  /**
   * Forward questions the mesh cannot answer (`--dns-forwarder`, env `DNSFORWARD`). When off,
   * unknown names get NXDOMAIN (Go replies NOERROR with no records).
   *
   * @default true
   */
  forward?: boolean
  /**
   * Upstream servers, tried in order (`--dns-forward-server`, env `DNSFORWARDSERVER`).
   *
   * @default ['8.8.8.8:53', '1.1.1.1:53']
   */
  upstreams?: readonly string[]
  /**
   * Time given to each upstream, and again to its TCP retry. Go waits 30 s, longer than
   * clients wait for us.
   *
   * @default 2000
   */
  upstreamTimeoutMs?: number
  /**
   * Forwarded answers kept (`--dns-cache-size`, env `DNSCACHESIZE`); 0 disables the cache.
   *
   * @default 200
   */
  cacheSize?: number
  /**
   * Every machine answers as `<Hostname>.<machineDomain>` (A or AAAA from its `Address`), and
   * reverse lookups of machine addresses answer with that name.
   *
   * @default 'edgevpn.'
   */
  machineDomain?: string
  /**
   * How long NXDOMAIN/NODATA answers without an SOA record are cached.
   *
   * @default 30
   */
  negativeTtlSeconds?: number
  /**
   * Distinct questions forwarded at once; more get SERVFAIL straight away.
   *
   * @default 256
   */
  maxPendingForwards?: number
  /**
   * Open TCP connections at once; more are closed on arrival.
   *
   * @default 128
   */
  maxTcpConnections?: number
  /**
   * A TCP connection without traffic for this long is closed.
   *
   * @default 10000
   */
  tcpIdleTimeoutMs?: number
  /**
   * Wall clock in milliseconds, for cache expiry.
   *
   * @default Date.now
   */
  clock?: () => number
  /**
   * Receives one-line warnings (socket errors).
   *
   * @default console.warn
   */
  warn?: (message: string) => void
}

export interface DnsServer {
  /** Bind UDP and TCP. */
  start: () => Promise<void>
  /** Close the sockets, end TCP connections and abandon upstream queries. */
  stop: () => Promise<void>
  /** The bound address (after `start`); `host` is '' when bound to every interface. */
  readonly address: HostPort
  /** Counters since creation. */
  readonly stats: Readonly<DnsServerStats>
}

/**
 * Create a DNS server answering from `init.ledger`.
 *
 * @throws InvalidAddressError for an unusable `listen` or `upstreams` entry
 * @throws DnsNameError for an unusable `machineDomain`
 */
export function createDnsServer (init: DnsServerInit): DnsServer {
  return new LedgerDnsServer(init)
}

class LedgerDnsServer implements DnsServer {
  private readonly listen: HostPort
  private readonly zone: MeshZone
  private readonly forwarder: Forwarder | undefined
  private readonly responder: Responder
  private readonly counters = emptyStats()
  private readonly maxTcpConnections: number
  private readonly tcpIdleTimeoutMs: number
  private readonly warn: (message: string) => void
  private readonly connections = new Set<Socket>()
  private udp: UdpSocket | undefined
  private tcp: TcpServer | undefined
  private bound: HostPort | undefined

  constructor (init: DnsServerInit) {
    this.listen = parseHostPort('DNS listen address', init.listen === undefined || init.listen === '' ? ':53' : init.listen, 53, true)
    const upstreams = (init.upstreams ?? DEFAULT_UPSTREAMS).map(text => {
      const upstream = parseHostPort('DNS upstream', text, 53, false)
      if (upstream.port === 0) throw new InvalidAddressError('DNS upstream', text, 'port must not be 0')
      return upstream
    })
    this.zone = new MeshZone({ ledger: init.ledger, machineDomain: init.machineDomain })
    this.forwarder = init.forward === false
      ? undefined
      : new Forwarder({
        upstreams,
        timeoutMs: init.upstreamTimeoutMs ?? 2000,
        cache: new AnswerCache(init.cacheSize ?? 200, init.clock ?? Date.now),
        negativeTtlSeconds: init.negativeTtlSeconds ?? 30,
        maxPending: init.maxPendingForwards ?? 256
      })
    this.responder = new Responder({ zone: this.zone, forwarder: this.forwarder, stats: this.counters })
    this.maxTcpConnections = init.maxTcpConnections ?? 128
    this.tcpIdleTimeoutMs = init.tcpIdleTimeoutMs ?? 10_000
    this.warn = init.warn ?? ((message) => { console.warn(message) })
  }

  get address (): HostPort {
    if (this.bound === undefined) throw new Error('the DNS server is not started')
    return this.bound
  }

  get stats (): Readonly<DnsServerStats> {
    return { ...this.counters }
  }

  async start (): Promise<void> {
    if (this.udp !== undefined) return
    for (let attempt = 1; ; attempt++) {
      const udp = await this.bindUdp(this.listen)
      const port = udp.address().port
      try {
        this.tcp = await this.listenTcp({ host: this.listen.host, port })
        this.udp = udp
        this.bound = { host: this.listen.host, port }
        return
      } catch (err) {
        udp.close()
        // port 0: the port UDP got may be taken for TCP; try another
        if (this.listen.port !== 0 || attempt >= PORT_ATTEMPTS) throw err
      }
    }
  }

  async stop (): Promise<void> {
    this.forwarder?.close()
    this.zone.close()
    for (const socket of this.connections) socket.destroy()
    const udp = this.udp
    const tcp = this.tcp
    this.udp = undefined
    this.tcp = undefined
    await Promise.all([
      udp === undefined ? undefined : new Promise<void>(resolve => { udp.close(() => { resolve() }) }),
      tcp === undefined ? undefined : new Promise<void>(resolve => { tcp.close(() => { resolve() }) })
    ])
  }

  /** An empty host binds IPv6 and IPv4 (dual stack), or IPv4 alone where IPv6 is off. */
  private async bindUdp (at: HostPort): Promise<UdpSocket> {
    const candidates = at.host === '' ? ['::', '0.0.0.0'] : [at.host]
    let lastError: unknown
    for (const host of candidates) {
      const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4')
      try {
        await new Promise<void>((resolve, reject) => {
          socket.once('error', reject)
          socket.bind(at.port, host, () => {
            socket.off('error', reject)
            resolve()
          })
        })
      } catch (err) {
        lastError = err
        socket.close()
        continue
      }
      socket.on('error', (err) => { this.warn(`dns: UDP socket error: ${err.message}`) })
      socket.on('message', (message, peer) => {
        void this.answer(message, 'udp').then(reply => {
          if (reply !== undefined && this.udp === socket) {
            socket.send(reply, peer.port, peer.address, () => {})
          }
        })
      })
      return socket
    }
    throw lastError
  }

  private async listenTcp (at: HostPort): Promise<TcpServer> {
    const server = createTcpServer({ allowHalfOpen: true, noDelay: true }, (socket) => { this.serveConnection(socket) })
    server.maxConnections = this.maxTcpConnections
    server.on('drop', () => { this.counters.tcpConnectionsRefused++ })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen({ port: at.port, host: at.host === '' ? undefined : at.host }, () => {
        server.off('error', reject)
        resolve()
      })
    })
    server.on('error', (err) => { this.warn(`dns: TCP server error: ${err.message}`) })
    return server
  }

  /** RFC 1035 §4.2.2 framing (2-byte length), pipelining bounded, idle connections closed. */
  private serveConnection (socket: Socket): void {
    this.connections.add(socket)
    let buffered: Buffer = Buffer.alloc(0)
    let inFlight = 0
    let peerEnded = false
    const refuse = (): void => {
      this.counters.tcpConnectionsRefused++
      socket.destroy()
    }
    const finishIfDone = (): void => {
      if (peerEnded && inFlight === 0 && !socket.destroyed) socket.end()
    }
    socket.setTimeout(this.tcpIdleTimeoutMs, refuse)
    socket.on('close', () => { this.connections.delete(socket) })
    socket.on('error', () => {})
    socket.on('end', () => {
      peerEnded = true
      finishIfDone()
    })
    socket.on('data', (chunk: Buffer) => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk])
      while (buffered.length >= 2) {
        const length = buffered.readUInt16BE(0)
        if (length === 0 || length > MAX_TCP_QUERY) {
          this.counters.dropped++
          refuse()
          return
        }
        if (buffered.length < 2 + length) break
        const message = buffered.subarray(2, 2 + length)
        buffered = buffered.subarray(2 + length)
        inFlight++
        if (inFlight >= MAX_TCP_IN_FLIGHT) socket.pause()
        void this.answer(message, 'tcp').then(reply => {
          if (reply !== undefined && !socket.destroyed) {
            const prefix = Buffer.alloc(2)
            prefix.writeUInt16BE(reply.length)
            socket.write(Buffer.concat([prefix, reply]))
            if (socket.writableLength > MAX_TCP_UNSENT) refuse()
          }
          inFlight--
          if (inFlight < MAX_TCP_IN_FLIGHT && socket.isPaused()) socket.resume()
          finishIfDone()
        })
      }
    })
  }

  private async answer (message: Uint8Array, transport: Transport): Promise<Buffer | undefined> {
    try {
      return await this.responder.respond(message, transport)
    } catch (err) {
      this.warn(`dns: failed to answer a query: ${(err as Error).message}`)
      return undefined
    }
  }
}
