import { createServer } from 'node:net'
import {
  deriveSessionKeys, encodeAck, FAST_HELLO_BYTES, FastRecordError, helloSessionId, randomSecret, randomSessionId, RecordOpener, verifyHello
} from './fast-crypto.js'
import { decodeOffer, encodeAnswer, FAST_OFFER_BYTES, readMessage } from './fast-negotiation.js'
import { NotAMemberError } from './inbound-streams.js'
import { followReceiveCounters } from './native-counters.js'
import { PacketSplitter, StreamFormatError } from './packet-splitter.js'
import { OFFLOAD_FRAMES } from './framing.js'
import { socketFd } from './socket-fd.js'
import type { FastSessionKeys } from './fast-crypto.js'
import type { NativeFastChannels } from './fast-path-tables.js'
import type { InboundGate } from './inbound-gate.js'
import type { InboundStreams } from './inbound-streams.js'
import type { VpnCounters } from './vpn-stats.js'
import type { Logger } from '@edgevpn/mesh-core'
import type { FastReceiveChannel } from '@edgevpn/tun'
import type { Connection, Stream, StreamHandler } from '@libp2p/interface'
import type { AddressInfo, Server, Socket } from 'node:net'

export interface FastListenerInit {
  /** TCP port of the fast sockets; 0 picks a free one. @default 0 */
  port?: number
  /** How long a session offered over libp2p waits for its socket, in ms. @default 10000 */
  sessionTimeout?: number
  /** How long a new socket may take to send its hello, in ms. @default 5000 */
  helloTimeout?: number
  /** Most sockets still owing their hello; more are closed at once. @default 64 */
  maxPendingSockets?: number
  /** Most sessions waiting for their socket; further requests are refused. @default 256 */
  maxPendingSessions?: number
}

export interface FastListenerComponents {
  gate: InboundGate
  /** Where the units received on a socket go (with the same checks as the libp2p streams). */
  inbound: Pick<InboundStreams, 'unitSink'>
  counters: VpnCounters
  logger: Logger
  /**
   * When given, bound sockets go to the native fast path, whose receive thread makes the same
   * checks as `inbound` off the JS thread.
   */
  native?: NativeFastChannels
}

/** A session agreed over libp2p whose socket has not arrived yet. */
interface PendingSession {
  readonly peer: string
  readonly keys: FastSessionKeys
  readonly expiry: NodeJS.Timeout
}

/**
 * The receiving side of the fast data channel. A member asks over `/edgevpn-ts/vpn-fast/1.0.0`
 * for a session; it gets this listener's TCP port, a session ID and fresh keys. The socket that
 * then connects must open with that session's MAC'd hello before anything else is read from it;
 * it is bound to the member and carries AES-256-GCM records of offload frames (as
 * `/edgevpn-ts/vpn/1.1.0`), delivered through the same checks as the libp2p streams. A socket
 * without a valid hello in time, or breaking the record or frame format, is closed and counted in
 * `rejectedFastSockets`.
 */
export class FastListener {
  readonly #components: FastListenerComponents
  readonly #sessionTimeout: number
  readonly #helloTimeout: number
  readonly #maxPendingSockets: number
  readonly #maxPendingSessions: number
  readonly #port: number
  readonly #server: Server
  readonly #sessions = new Map<string, PendingSession>()
  /** Every accepted socket, so that close() does not wait for them. */
  readonly #sockets = new Set<Socket>()
  /** Bound sockets and the peer each belongs to. */
  readonly #bound = new Map<Socket, string>()
  /** Sockets handed to the native fast path: their peers, and how to stop folding in their counters. */
  readonly #channels = new Map<FastReceiveChannel, { peer: string, stopCounting: () => void }>()
  #unbound = 0
  readonly #stopWatching: () => void

  constructor (components: FastListenerComponents, init: FastListenerInit = {}) {
    this.#components = components
    this.#port = init.port ?? 0
    this.#sessionTimeout = init.sessionTimeout ?? 10_000
    this.#helloTimeout = init.helloTimeout ?? 5000
    this.#maxPendingSockets = init.maxPendingSockets ?? 64
    this.#maxPendingSessions = init.maxPendingSessions ?? 256
    this.#server = createServer({ noDelay: true }, socket => { this.#accept(socket) })
    this.#stopWatching = components.gate.onChange(() => { this.#closeNonMembers() })
  }

  /** Starts listening on every interface. */
  async start (): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject)
      this.#server.listen(this.#port, () => {
        this.#server.off('error', reject)
        resolve()
      })
    })
  }

  /** The TCP port the sockets connect to. */
  get port (): number {
    return (this.#server.address() as AddressInfo).port
  }

  /** The handler of `/edgevpn-ts/vpn-fast/1.0.0`. */
  handler (): StreamHandler {
    return async (stream: Stream, connection: Connection) => { await this.#negotiate(stream, connection) }
  }

  /** Stops listening and closes every socket. */
  async close (): Promise<void> {
    this.#stopWatching()
    for (const session of this.#sessions.values()) clearTimeout(session.expiry)
    this.#sessions.clear()
    for (const socket of this.#sockets) socket.destroy()
    this.#sockets.clear()
    this.#bound.clear()
    for (const channel of [...this.#channels.keys()]) this.#closeChannel(channel)
    await new Promise<void>(resolve => { this.#server.close(() => { resolve() }) })
  }

  async #negotiate (stream: Stream, connection: Connection): Promise<void> {
    const { gate, counters, logger } = this.#components
    const peer = connection.remotePeer.toString()
    if (!gate.allows(peer)) {
      counters.refusedStreams++
      stream.abort(new NotAMemberError(`peer ${peer} is not a member of the VPN`))
      return
    }
    if (this.#sessions.size >= this.#maxPendingSessions) {
      logger.debug('refused a fast-channel session: too many are pending', { peer })
      stream.abort(new Error('too many pending fast-channel sessions'))
      return
    }
    try {
      const dialerSecret = decodeOffer(await readMessage(stream, FAST_OFFER_BYTES))
      const sessionId = randomSessionId()
      const secret = randomSecret()
      const key = sessionId.toString('hex')
      const expiry = setTimeout(() => { this.#sessions.delete(key) }, this.#sessionTimeout)
      expiry.unref()
      this.#sessions.set(key, { peer, keys: deriveSessionKeys(dialerSecret, secret, sessionId), expiry })
      stream.send(encodeAnswer({ port: this.port, sessionId, secret }))
      await stream.close()
    } catch (err) {
      logger.debug('fast-channel negotiation failed', { peer, error: err })
      stream.abort(err instanceof Error ? err : new Error(String(err)))
    }
  }

  #accept (socket: Socket): void {
    if (this.#unbound >= this.#maxPendingSockets) {
      this.#reject(socket, 'too many sockets without a hello')
      return
    }
    this.#unbound++
    this.#sockets.add(socket)
    let waiting = true
    const stopWaiting = (): void => {
      if (!waiting) return
      waiting = false
      this.#unbound--
      clearTimeout(timer)
    }
    const timer = setTimeout(() => { this.#reject(socket, 'no hello in time') }, this.#helloTimeout)
    let hello = Buffer.alloc(0)
    const onData = (chunk: Buffer): void => {
      hello = Buffer.concat([hello, chunk])
      if (hello.length < FAST_HELLO_BYTES) return
      socket.off('data', onData)
      stopWaiting()
      const session = this.#takeSession(hello)
      if (session === undefined) this.#reject(socket, 'invalid hello')
      else this.#bind(socket, session, hello)
    }
    socket.on('data', onData)
    socket.on('error', () => {
      // 'close' follows
    })
    socket.once('close', () => {
      stopWaiting()
      this.#sockets.delete(socket)
      this.#bound.delete(socket)
    })
  }

  /** The session a hello names and proves, which it uses up. */
  #takeSession (hello: Buffer): PendingSession | undefined {
    const key = helloSessionId(hello).toString('hex')
    const session = this.#sessions.get(key)
    if (session === undefined) return undefined
    this.#sessions.delete(key)
    clearTimeout(session.expiry)
    return verifyHello(session.keys, hello) ? session : undefined
  }

  /** Binds a socket whose first bytes, `received`, hold a valid hello of `session`. */
  #bind (socket: Socket, session: PendingSession, received: Buffer): void {
    const { inbound, counters, logger } = this.#components
    const { peer, keys } = session
    if (!this.#components.gate.allows(peer)) {
      this.#reject(socket, 'the peer is no longer a member')
      return
    }
    const ack = encodeAck(keys, helloSessionId(received))
    if (this.#components.native !== undefined) {
      this.#handToNative(this.#components.native, socket, peer, keys, ack, received.subarray(FAST_HELLO_BYTES))
      return
    }
    this.#bound.set(socket, peer)
    socket.write(ack)
    const opener = new RecordOpener(keys.data)
    const splitter = new PacketSplitter(OFFLOAD_FRAMES)
    const deliver = inbound.unitSink(peer, 'offload')
    const receive = (chunk: Buffer): void => {
      try {
        opener.push(chunk, plaintext => { splitter.push(plaintext, deliver) })
      } catch (err) {
        if (err instanceof FastRecordError || err instanceof StreamFormatError) {
          counters.rejectedFastSockets++
          logger.info('closed a fast-channel socket that broke the format', { peer, error: err })
        } else {
          // e.g. the interface failed: the socket goes, the node stays up
          logger.warn('receiving from a fast-channel socket failed', { peer, error: err })
        }
        socket.destroy()
      }
    }
    socket.on('data', receive)
    socket.once('end', () => {
      if (opener.pendingBytes > 0 || splitter.pendingBytes > 0) counters.drop('inbound-malformed')
      socket.end()
    })
    if (received.length > FAST_HELLO_BYTES) receive(received.subarray(FAST_HELLO_BYTES))
    logger.debug('fast-channel socket bound', { peer })
  }

  /** Gives a socket with a valid hello to the native fast path, which writes the ack and reads the rest. */
  #handToNative (native: NativeFastChannels, socket: Socket, peer: string, keys: FastSessionKeys, ack: Buffer, received: Buffer): void {
    const { counters, logger } = this.#components
    try {
      const channel = native.fastPath.addReceiver(socketFd(socket), { key: keys.data, ack, received, sources: native.tables.sourcesOf(peer) },
        (reason, brokeFormat) => {
          if (!this.#channels.has(channel)) return
          this.#closeChannel(channel)
          if (brokeFormat) {
            counters.rejectedFastSockets++
            logger.info('closed a fast-channel socket that broke the format', { peer, error: reason })
          } else {
            logger.debug('fast-channel socket closed', { peer, reason })
          }
        })
      this.#channels.set(channel, { peer, stopCounting: followReceiveCounters(counters, counters.peer(peer), channel) })
      native.tables.addReceiver(channel, peer)
      logger.debug('fast-channel socket bound', { peer, engine: 'native' })
    } catch (err) {
      logger.info('could not hand a fast-channel socket to the native fast path', { peer, error: err })
    } finally {
      // the fast path has its own descriptor of the socket
      socket.destroy()
    }
  }

  #closeChannel (channel: FastReceiveChannel): void {
    this.#channels.get(channel)?.stopCounting()
    this.#channels.delete(channel)
    this.#components.native?.tables.removeReceiver(channel)
    channel.close()
  }

  #reject (socket: Socket, reason: string): void {
    this.#components.counters.rejectedFastSockets++
    this.#components.logger.debug('rejected a fast-channel socket', { remote: socket.remoteAddress, reason })
    socket.destroy()
  }

  #closeNonMembers (): void {
    for (const [socket, peer] of this.#bound) {
      if (!this.#components.gate.allows(peer)) socket.destroy()
    }
    for (const [channel, { peer }] of this.#channels) {
      if (!this.#components.gate.allows(peer)) this.#closeChannel(channel)
    }
  }
}
