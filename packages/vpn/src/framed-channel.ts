import { ExponentialBackoff } from '@edgevpn/mesh-core'
import { onlyRelayed, VPN_STREAM_OPTIONS } from './relayed-links.js'
import { waitForDrain } from './wait-drain.js'
import type { PeerTraffic, VpnCounters, DropReason } from './vpn-stats.js'
import type { Logger } from '@edgevpn/mesh-core'
import type { Libp2p, PeerId, Stream } from '@libp2p/interface'

export interface FramedChannelInit {
  /** How long opening the stream may take, in ms (Go `--timeout`). */
  timeout: number
  /** Most packets waiting while the stream opens or drains; more are dropped. @default 256 */
  maxQueuedPackets?: number
  /** Most bytes waiting while the stream opens or drains; more are dropped. @default 524288 */
  maxQueuedBytes?: number
  /**
   * Bytes the stream may hold unsent before new packets are dropped rather than written, so a
   * slow peer never accumulates seconds of traffic. @default 262144
   */
  maxWriteBufferBytes?: number
  /** First wait in ms before reopening a failed stream; it doubles up to `maxRetryDelay`. @default 250 */
  retryDelay?: number
  /** @default 10000 */
  maxRetryDelay?: number
}

export interface FramedChannelComponents {
  libp2p: Pick<Libp2p, 'dialProtocol' | 'getConnections'>
  counters: VpnCounters
  logger: Logger
  /**
   * Called when the peer refuses the framed protocol, with the frames that were waiting, so the
   * caller can switch the peer to an older protocol.
   */
  onUnsupported: (pending: Uint8Array[]) => void
}

interface QueuedFrames {
  readonly frames: Uint8Array
  readonly packets: number
  readonly bytes: number
}

type ChannelState = 'idle' | 'opening' | 'open' | 'retry-wait' | 'closed'

/**
 * The sending side of a framed protocol (`/edgevpn-ts/vpn/1.0.0` or `1.1.0`) towards one peer:
 * one long-lived stream, every push written with a single `send()`, so packets of a flow are
 * never reordered. While the stream opens or waits for 'drain' a bounded queue holds pushes
 * (everything queued goes out in one send); beyond it packets are dropped, which TCP inside the
 * tunnel sees as loss. A failed stream is reopened on the next push after a backoff delay;
 * meanwhile packets are dropped.
 */
export class FramedChannel {
  readonly #components: FramedChannelComponents
  readonly #peer: PeerId
  readonly #protocol: string
  readonly #traffic: PeerTraffic
  readonly #timeout: number
  readonly #maxQueuedPackets: number
  readonly #maxQueuedBytes: number
  readonly #maxWriteBuffer: number
  readonly #backoff: ExponentialBackoff
  #state: ChannelState = 'idle'
  #stream: Stream | undefined
  /** Whether the stream was opened when the peer was reachable only through a relay. */
  #relayed = false
  #draining = false
  #retryAt = 0
  #queue: QueuedFrames[] = []
  #queuedPackets = 0
  #queuedBytes = 0

  /** @param protocol - the framed protocol the stream is opened with; `push` takes its framing */
  constructor (components: FramedChannelComponents, peer: PeerId, protocol: string, traffic: PeerTraffic, init: FramedChannelInit) {
    this.#components = components
    this.#peer = peer
    this.#protocol = protocol
    this.#traffic = traffic
    this.#timeout = init.timeout
    this.#maxQueuedPackets = init.maxQueuedPackets ?? 256
    this.#maxQueuedBytes = init.maxQueuedBytes ?? 512 * 1024
    this.#maxWriteBuffer = init.maxWriteBufferBytes ?? 256 * 1024
    this.#backoff = new ExponentialBackoff({
      initialInterval: init.retryDelay ?? 250,
      maxInterval: init.maxRetryDelay ?? 10_000,
      randomizationFactor: 0.2
    })
  }

  /**
   * Sends `frames` (from `encodeFrames`) holding `packets` packets of `bytes` IP bytes in total.
   * The buffer must not be modified afterwards.
   */
  push (frames: Uint8Array, packets: number, bytes: number): void {
    const item = { frames, packets, bytes }
    switch (this.#state) {
      case 'open':
        if (this.#draining || this.#queue.length > 0) this.#enqueue(item)
        else if ((this.#stream as Stream).writeBufferLength > this.#maxWriteBuffer) this.#drop('queue-full', packets)
        else this.#write(item)
        return
      case 'opening':
        this.#enqueue(item)
        return
      case 'retry-wait':
        if (Date.now() < this.#retryAt) {
          this.#drop('peer-unreachable', packets)
          return
        }
        this.#enqueue(item)
        this.#open()
        return
      case 'idle':
        this.#enqueue(item)
        this.#open()
        return
      case 'closed':
        this.#drop('send-failed', packets)
    }
  }

  /**
   * Moves a stream on a relayed connection to a direct one (call when a direct connection to the
   * peer opened): the new stream takes the next pushes and the old one closes once its buffered
   * frames are written, so flows only see a path change.
   */
  preferDirect (): void {
    const old = this.#stream
    if (this.#state !== 'open' || old === undefined || !this.#relayed) return
    const { libp2p, logger } = this.#components
    libp2p.dialProtocol(this.#peer, this.#protocol, { ...VPN_STREAM_OPTIONS, signal: AbortSignal.timeout(this.#timeout) }).then(stream => {
      // another move won, or the old stream is mid-drain: a later direct connection tries again
      if (this.#stream !== old || this.#draining) {
        stream.abort(new Error('the channel changed meanwhile'))
        return
      }
      this.#adopt(stream)
      logger.info('VPN stream moved to a direct connection', { peer: this.#peer.toString(), protocol: this.#protocol })
      void old.close().catch(err => { old.abort(err) })
    }, err => {
      logger.debug('cannot move the VPN stream to a direct connection', { peer: this.#peer.toString(), error: err })
    })
  }

  /** Closes the stream; later pushes are dropped. */
  close (): void {
    this.#state = 'closed'
    this.#dropQueue('send-failed')
    const stream = this.#stream
    this.#stream = undefined
    if (stream !== undefined) void stream.close().catch(err => { stream.abort(err) })
  }

  #open (): void {
    this.#state = 'opening'
    const { libp2p, logger } = this.#components
    libp2p.dialProtocol(this.#peer, this.#protocol, { ...VPN_STREAM_OPTIONS, signal: AbortSignal.timeout(this.#timeout) }).then(stream => {
      if (this.#state === 'closed') {
        stream.abort(new Error('VPN stopped'))
        return
      }
      this.#state = 'open'
      this.#backoff.reset()
      this.#adopt(stream)
      this.#flush()
    }, err => {
      if (this.#state === 'closed') return
      if ((err as Error).name === 'UnsupportedProtocolError') {
        this.#state = 'idle'
        const pending = this.#queue.map(item => item.frames)
        this.#clearQueue()
        this.#components.onUnsupported(pending)
        return
      }
      logger.debug('cannot open a stream', { peer: this.#peer.toString(), protocol: this.#protocol, error: err })
      this.#retryLater()
      this.#dropQueue('peer-unreachable')
    })
  }

  #adopt (stream: Stream): void {
    this.#stream = stream
    this.#relayed = onlyRelayed(this.#components.libp2p, this.#peer)
    stream.addEventListener('close', event => { this.#failed(stream, event.error) }, { once: true })
  }

  /** The stream closed: for good after {@link close}, else it is reopened on a later push. */
  #failed (stream: Stream, error: Error | undefined): void {
    if (this.#stream !== stream) return
    this.#stream = undefined
    this.#draining = false
    if (this.#state === 'closed') return
    this.#components.logger.debug('stream closed', { peer: this.#peer.toString(), protocol: this.#protocol, error })
    this.#retryLater()
    this.#dropQueue('send-failed')
  }

  #retryLater (): void {
    this.#state = 'retry-wait'
    this.#retryAt = Date.now() + this.#backoff.next()
  }

  /** Writes everything queued in one send, unless the stream has to drain first. */
  #flush (): void {
    if (this.#state !== 'open' || this.#draining || this.#queue.length === 0) return
    const queue = this.#queue
    const frames = queue.length === 1 ? queue[0].frames : concat(queue.map(item => item.frames), this.#queuedBytes)
    const item = { frames, packets: this.#queuedPackets, bytes: queue.reduce((sum, next) => sum + next.bytes, 0) }
    this.#clearQueue()
    this.#write(item)
  }

  #write (item: QueuedFrames): void {
    const stream = this.#stream as Stream
    let writable: boolean
    try {
      writable = stream.send(item.frames)
    } catch (err) {
      this.#drop('send-failed', item.packets)
      stream.abort(err instanceof Error ? err : new Error(String(err)))
      return
    }
    this.#components.counters.sent(this.#traffic, item.packets, item.bytes)
    this.#traffic.protocol = this.#protocol
    if (writable) return
    this.#draining = true
    waitForDrain(stream).then(() => {
      if (this.#stream !== stream) return
      this.#draining = false
      this.#flush()
    }, () => {
      // the 'close' listener handles the failure
    })
  }

  #enqueue (item: QueuedFrames): void {
    if (this.#queuedPackets + item.packets > this.#maxQueuedPackets || this.#queuedBytes + item.frames.length > this.#maxQueuedBytes) {
      this.#drop('queue-full', item.packets)
      return
    }
    this.#queue.push(item)
    this.#queuedPackets += item.packets
    this.#queuedBytes += item.frames.length
  }

  #dropQueue (reason: DropReason): void {
    if (this.#queuedPackets > 0) this.#drop(reason, this.#queuedPackets)
    this.#clearQueue()
  }

  #clearQueue (): void {
    this.#queue = []
    this.#queuedPackets = 0
    this.#queuedBytes = 0
  }

  #drop (reason: DropReason, packets: number): void {
    this.#components.counters.drop(reason, packets)
  }
}

function concat (parts: Uint8Array[], size: number): Uint8Array {
  const joined = new Uint8Array(size)
  let offset = 0
  for (const part of parts) {
    joined.set(part, offset)
    offset += part.length
  }
  return joined
}
