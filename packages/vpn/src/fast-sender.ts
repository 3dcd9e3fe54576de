import { connect } from 'node:net'
import { ExponentialBackoff } from '@edgevpn/mesh-core'
import { VNET_HDR_BYTES } from '@edgevpn/tun'
import { deriveSessionKeys, encodeHello, FAST_ACK_BYTES, randomSecret, RecordSealer, verifyAck } from './fast-crypto.js'
import { decodeAnswer, encodeOffer, FAST_ANSWER_BYTES, readMessage } from './fast-negotiation.js'
import { encodeFrameRuns, OFFLOAD_FRAMES } from './framing.js'
import { FAST_VPN_PROTOCOL } from './protocols.js'
import { followSendCounters } from './native-counters.js'
import { SendQueue } from './send-queue.js'
import { limitUnsentBytes, socketFd } from './socket-fd.js'
import { isInteractiveUnit } from './traffic-class.js'
import type { NativeFastChannels } from './fast-path-tables.js'
import type { PacketRun } from './framing.js'
import type { SendQueueInit } from './send-queue.js'
import type { PeerTraffic, VpnCounters } from './vpn-stats.js'
import type { Logger } from '@edgevpn/mesh-core'
import type { FastSendChannel } from '@edgevpn/tun'
import type { Connection, Libp2p, PeerId } from '@libp2p/interface'
import type { Socket } from 'node:net'

export interface FastSenderInit extends SendQueueInit {
  /** How long negotiating and connecting the socket may take, in ms. @default 15000 */
  timeout: number
  /**
   * Most bytes the socket holds in the kernel unsent (TCP_NOTSENT_LOWAT): when the path is the
   * bottleneck, packets then wait in our {@link SendQueue}, where interactive ones overtake bulk
   * ones and CoDel keeps the delay low, rather than behind megabytes in the kernel; 0 leaves the
   * kernel's default (no limit). @default 131072
   */
  maxUnsentBytes?: number
  /** Most bytes sealed into one socket write. @default 131072 */
  maxWriteBytes?: number
  /** First wait in ms before a failed fast channel is tried again; it doubles up to `maxRetryDelay`. @default 5000 */
  retryDelay?: number
  /** @default 300000 */
  maxRetryDelay?: number
}

export interface FastSenderComponents {
  libp2p: Pick<Libp2p, 'dial'>
  counters: VpnCounters
  logger: Logger
  /**
   * When given, the ready socket goes to the native fast path, whose send thread then takes the
   * peer's packets straight from the device; otherwise this class seals and writes them.
   */
  native?: NativeFastChannels
}

/** The libp2p connection cannot carry a fast channel; it is not an error worth logging loudly. */
class NotDirectError extends Error {
  override name = 'NotDirectError'
}

type FastState = 'idle' | 'connecting' | 'ready' | 'retry-wait' | 'closed'

/**
 * The sending side of the fast data channel towards one peer. {@link start} negotiates a session
 * over `/edgevpn-ts/vpn-fast/1.0.0` on a direct (not relayed) libp2p connection, dials the TCP
 * port the peer answers at the connection's remote IP, proves the session with a MAC'd hello and
 * waits for the peer's MAC'd ack; from then on {@link ready} is true and {@link push} queues
 * offload units in a {@link SendQueue} (interactive lane first, CoDel on bulk), which is sealed
 * into AES-256-GCM records whenever the socket takes more. With the native fast path, the socket
 * goes there instead (same records, interactive lane and CoDel, off the JS thread). Until then, and
 * after a failure (retried after a growing delay), the caller keeps using the libp2p streams.
 */
export class FastSender {
  readonly #components: FastSenderComponents
  readonly #peer: PeerId
  readonly #traffic: PeerTraffic
  readonly #timeout: number
  readonly #maxUnsentBytes: number
  readonly #maxWriteBytes: number
  readonly #backoff: ExponentialBackoff
  readonly #queue: SendQueue
  #state: FastState = 'idle'
  #retryAt = 0
  #socket: Socket | undefined
  #sealer: RecordSealer | undefined
  /** The socket's channel in the native fast path, which then owns it. */
  #channel: FastSendChannel | undefined
  #stopCounting: (() => void) | undefined
  /** Where queued units are framed before sealing; grows to the largest write. */
  #scratch: Uint8Array = new Uint8Array(0)
  readonly #flush = (): void => { this.#sendQueued() }

  constructor (components: FastSenderComponents, peer: PeerId, traffic: PeerTraffic, init: FastSenderInit) {
    this.#components = components
    this.#peer = peer
    this.#traffic = traffic
    this.#timeout = init.timeout
    this.#maxUnsentBytes = init.maxUnsentBytes ?? 128 * 1024
    this.#maxWriteBytes = init.maxWriteBytes ?? 128 * 1024
    this.#queue = new SendQueue({
      now: () => performance.now(),
      onDelayDrop: () => { components.counters.drop('queue-delay') }
    }, init)
    this.#backoff = new ExponentialBackoff({
      initialInterval: init.retryDelay ?? 5000,
      maxInterval: init.maxRetryDelay ?? 300_000,
      randomizationFactor: 0.2
    })
  }

  /** Whether {@link push} sends on the fast socket. */
  get ready (): boolean {
    return this.#state === 'ready'
  }

  /** Sets the channel up unless it is ready, being set up, or waiting to retry. */
  start (): void {
    if (this.#state === 'idle' || (this.#state === 'retry-wait' && Date.now() >= this.#retryAt)) {
      this.#state = 'connecting'
      this.#connect().catch(err => { this.#failed(err) })
    }
  }

  /** Lets the next {@link start} try again at once (e.g. a direct connection appeared). */
  retryNow (): void {
    if (this.#state === 'retry-wait') this.#retryAt = 0
  }

  /**
   * Queues `count` offload units (virtio header + packet), unit `i` being
   * `source[spans[2i], spans[2i] + spans[2i + 1])`, and sends what the socket takes. Only while
   * {@link ready}. `source` is only read during the call.
   */
  push (source: Uint8Array, spans: Int32Array, count: number): void {
    if (this.#channel !== undefined) {
      if (!this.#channel.send(source, spans, count)) this.#components.counters.drop('send-failed', count)
      return
    }
    // while nothing waits, units go straight from `source` (no copy: allocations cost GC pauses)
    const direct = this.#queue.length === 0 ? this.#sendDirect(source, spans, count) : 0
    let refused = 0
    for (let i = direct; i < count; i++) {
      const offset = spans[2 * i]
      const length = spans[2 * i + 1]
      const interactive = isInteractiveUnit(source, offset, length, VNET_HDR_BYTES)
      // a copy: `source` is usually the device's reused read buffer (a Buffer, whose slice() is a view)
      if (!this.#queue.enqueue(new Uint8Array(source.subarray(offset, offset + length)), interactive)) refused++
    }
    if (refused > 0) this.#components.counters.drop('queue-full', refused)
    this.#sendQueued()
  }

  close (): void {
    this.#state = 'closed'
    this.#socket?.destroy()
    this.#socket = undefined
    this.#releaseChannel()?.close()
    this.#discardQueued()
  }

  /**
   * Sends units of `source` in order while the socket takes them.
   *
   * @returns how many were sent
   */
  #sendDirect (source: Uint8Array, spans: Int32Array, count: number): number {
    const socket = this.#socket
    let sent = 0
    while (socket !== undefined && !socket.writableNeedDrain && sent < count) {
      let end = sent
      let bytes = 0
      while (end < count && bytes < this.#maxWriteBytes) bytes += spans[2 * end++ + 1]
      this.#write([{ bytes: source, spans: spans.subarray(2 * sent, 2 * end), count: end - sent }], end - sent, bytes)
      sent = end
    }
    return sent
  }

  /** Seals queued units into the socket until it is backed up; 'drain' calls it again. */
  #sendQueued (): void {
    const socket = this.#socket
    while (socket !== undefined && !socket.writableNeedDrain && this.#queue.length > 0) {
      const runs: PacketRun[] = []
      let bytes = 0
      while (bytes < this.#maxWriteBytes) {
        const unit = this.#queue.dequeue()
        if (unit === undefined) break
        runs.push({ bytes: unit, spans: Int32Array.of(0, unit.length), count: 1 })
        bytes += unit.length
      }
      if (runs.length === 0) return
      this.#write(runs, runs.length, bytes)
    }
  }

  /** Frames, seals and writes `units` units of `bytes` bytes (virtio headers included). */
  #write (runs: readonly PacketRun[], units: number, bytes: number): void {
    const socket = this.#socket as Socket
    const frames = encodeFrameRuns(runs, OFFLOAD_FRAMES, this.#scratch)
    if (frames.buffer !== this.#scratch.buffer) this.#scratch = frames
    socket.cork()
    for (const record of (this.#sealer as RecordSealer).seal(frames)) socket.write(record)
    socket.uncork()
    this.#components.counters.sent(this.#traffic, units, bytes - units * VNET_HDR_BYTES)
    this.#traffic.protocol = FAST_VPN_PROTOCOL
  }

  /** Drops the queued units: the socket that would have sent them is gone. */
  #discardQueued (): void {
    const queued = this.#queue.clear()
    if (queued > 0) this.#components.counters.drop('send-failed', queued)
  }

  async #connect (): Promise<void> {
    const signal = AbortSignal.timeout(this.#timeout)
    const connection = await this.#components.libp2p.dial(this.#peer, { signal })
    const host = directRemoteIp(connection)
    const stream = await connection.newStream(FAST_VPN_PROTOCOL, { signal })
    const secret = randomSecret()
    stream.send(encodeOffer(secret))
    const answer = decodeAnswer(await readMessage(stream, FAST_ANSWER_BYTES))
    await stream.close()
    const keys = deriveSessionKeys(secret, answer.secret, answer.sessionId)

    const socket = connect({ host, port: answer.port, noDelay: true })
    const abort = (): void => { socket.destroy(signal.reason) }
    signal.addEventListener('abort', abort, { once: true })
    try {
      socket.write(encodeHello(keys, answer.sessionId))
      const ack = await readAck(socket)
      if (!verifyAck(keys, answer.sessionId, ack)) throw new Error('the fast-channel ack does not prove the session')
    } catch (err) {
      socket.destroy()
      throw err
    } finally {
      signal.removeEventListener('abort', abort)
    }
    if (this.#state === 'closed') {
      socket.destroy()
      return
    }
    if (this.#maxUnsentBytes > 0) limitUnsentBytes(socket, this.#maxUnsentBytes)
    this.#state = 'ready'
    this.#backoff.reset()
    this.#traffic.protocol = FAST_VPN_PROTOCOL
    const address = `${host}:${answer.port}`
    if (this.#components.native !== undefined) {
      this.#handToNative(this.#components.native, socket, keys.data, address)
      return
    }
    this.#socket = socket
    this.#sealer = new RecordSealer(keys.data)
    // the listener never sends after its ack; anything more is ignored
    socket.on('data', () => {})
    socket.on('drain', this.#flush)
    socket.on('error', () => {
      // 'close' follows
    })
    socket.once('close', () => {
      if (this.#socket !== socket) return
      this.#socket = undefined
      this.#discardQueued()
      this.#failed(new Error('the fast-channel socket closed'))
    })
    this.#components.logger.info('fast channel up', { peer: this.#peer.toString(), address })
  }

  /** Gives the proven socket to the native fast path (which keeps a duplicate of its descriptor). */
  #handToNative (native: NativeFastChannels, socket: Socket, key: Buffer, address: string): void {
    const peer = this.#peer.toString()
    try {
      const channel = native.fastPath.addSender(socketFd(socket), key, reason => {
        if (this.#releaseChannel() === channel) this.#failed(new Error(reason))
      })
      this.#channel = channel
      this.#stopCounting = followSendCounters(this.#components.counters, this.#traffic, channel)
      native.tables.addSender(peer, channel)
    } catch (err) {
      this.#failed(err)
      return
    } finally {
      // the fast path has its own descriptor of the socket
      socket.destroy()
    }
    this.#components.logger.info('fast channel up', { peer, address, engine: 'native' })
  }

  /** Forgets the native channel (routes and counters included); returns it. */
  #releaseChannel (): FastSendChannel | undefined {
    const channel = this.#channel
    if (channel === undefined) return undefined
    this.#channel = undefined
    this.#stopCounting?.()
    this.#components.native?.tables.removeSender(this.#peer.toString(), channel)
    return channel
  }

  #failed (err: unknown): void {
    if (this.#state === 'closed') return
    this.#state = 'retry-wait'
    this.#retryAt = Date.now() + this.#backoff.next()
    const level = err instanceof NotDirectError || (err as Error).name === 'UnsupportedProtocolError' ? 'debug' : 'info'
    this.#components.logger[level]('no fast channel, packets go over libp2p', { peer: this.#peer.toString(), error: err })
  }
}

/**
 * The IP of the peer on a direct connection, which its fast socket is dialed at.
 *
 * @throws NotDirectError for relayed connections or non-IP addresses
 */
function directRemoteIp (connection: Connection): string {
  const components = connection.remoteAddr.getComponents()
  if (connection.limits !== undefined || components.some(component => component.name === 'p2p-circuit')) {
    throw new NotDirectError('the connection is relayed')
  }
  const ip = components.find(component => component.name === 'ip4' || component.name === 'ip6')?.value
  if (ip === undefined) throw new NotDirectError(`no IP address in ${connection.remoteAddr.toString()}`)
  return ip
}

/** The first {@link FAST_ACK_BYTES} bytes the socket receives. */
async function readAck (socket: Socket): Promise<Buffer> {
  return await new Promise<Buffer>((resolve, reject) => {
    let received = Buffer.alloc(0)
    const onData = (chunk: Buffer): void => {
      received = Buffer.concat([received, chunk])
      if (received.length < FAST_ACK_BYTES) return
      cleanup()
      resolve(received.subarray(0, FAST_ACK_BYTES))
    }
    const onError = (err: Error): void => {
      cleanup()
      reject(err)
    }
    const onClose = (): void => { onError(new Error('the fast-channel socket closed before the ack')) }
    const cleanup = (): void => {
      socket.off('data', onData)
      socket.off('error', onError)
      socket.off('close', onClose)
    }
    socket.on('data', onData)
    socket.once('error', onError)
    socket.once('close', onClose)
  })
}
