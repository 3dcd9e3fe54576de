/**
 * The native packet loop of the fast data channel (`native/src/fast_path.h`): once started on a
 * device, two addon threads carry the packets of peers that have a fast channel, so that neither
 * the per-packet work nor the garbage collector of the JS main thread lies on their path.
 *
 * - A send thread reads the device, routes each packet by its destination address to a
 *   {@link FastSendChannel} and seals the units (virtio header + packet) into AES-256-GCM records
 *   on that channel's TCP socket, with an interactive lane and CoDel in front of it. Packets it has
 *   no route for reach {@link TunDevice.onPackets} as before.
 * - A receive thread opens the records of every {@link FastReceiveChannel}, drops units that are
 *   not well-formed IP or whose source address the peer may not use, and writes the rest to the
 *   device.
 *
 * The wire format is `docs/fast-channel.md` (`[4-byte length][ciphertext][16-byte tag]` records,
 * the record number as nonce, carrying 4-byte length-prefixed units), checked against its test
 * vectors through `@edgevpn/tun/record-probe`. JS keeps
 * the sessions, routes and allowed sources; sockets come in as file descriptors, which the addon
 * duplicates, so the caller closes its own socket object afterwards.
 */
import { explainNativeError } from './tun-error.js'
import type { NativeFastPath } from './native-binding.js'

export interface FastPathInit {
  /** Most bytes of units sealed into one record (at least one whole unit goes in). @default 131072 */
  maxWriteBytes?: number
  /** Most bytes of bulk units waiting for one socket; more are dropped (`queueFullDrops`). @default 524288 */
  maxBulkBytes?: number
  /** Most bytes of interactive units (pings, bare ACKs, SYNs, small UDP) waiting for one socket. @default 65536 */
  maxInteractiveBytes?: number
}

/** Totals of a send channel since it was added. */
export interface FastSendCounters {
  /** Units sealed towards the peer, and their IP bytes (virtio headers not counted). */
  packets: number
  bytes: number
  /** Units refused because the socket's queue was full. */
  queueFullDrops: number
  /** Bulk units CoDel dropped because they waited too long for too long. */
  queueDelayDrops: number
}

/** Totals of a receive channel since it was added. */
export interface FastReceiveCounters {
  /** Units written to the device, and their IP bytes. */
  packets: number
  bytes: number
  /** Units that are no well-formed IP packet, or that the kernel refused (EINVAL). */
  malformedDrops: number
  /** Units whose source address the peer may not use. */
  spoofedDrops: number
  /** Units dropped because the device's queue towards the kernel was full. */
  tunFullDrops: number
}

/** The source addresses a receive channel accepts: 4-byte IPv4 or 16-byte IPv6 addresses. */
export interface AllowedSources {
  addresses: readonly Uint8Array[]
  /** Accept every source (the peer routes other networks to us). */
  any: boolean
}

/** Called once when the loop closes a channel: the peer closed it, it failed, or (receive) it broke the format. */
export type FastChannelClosedHandler = (reason: string, brokeFormat: boolean) => void

export interface FastSendChannel {
  readonly counters: FastSendCounters
  /**
   * Sends `count` units, unit `i` being `buffer[spans[2i], spans[2i] + spans[2i + 1])` (packets the
   * send thread had no route for). `buffer` is only read during the call.
   *
   * @returns false when the channel is closed (nothing was sent)
   * @throws RangeError when a unit lies outside `buffer` or is empty or longer than 65545 bytes
   */
  send(buffer: Uint8Array, spans: Int32Array, count: number): boolean
  /** Closes the socket; queued units are dropped. Calling it again does nothing. */
  close(): void
}

export interface FastReceiveChannel {
  readonly counters: FastReceiveCounters
  setAllowedSources(sources: AllowedSources): void
  /** Closes the socket. Calling it again does nothing. */
  close(): void
}

export interface FastReceiverInit {
  /** The AES-256-GCM key of the records (32 bytes). */
  key: Uint8Array
  /** Bytes written to the socket before anything is read from it (the session's ack). */
  ack: Uint8Array
  /** Bytes already read from the socket after the hello, opened first. */
  received: Uint8Array
  sources: AllowedSources
}

/** The native loop of one device, made by {@link TunDevice.startFastPath}; it stops when the device closes. */
export interface FastPath {
  /**
   * Adds the sending side of a connected TCP socket whose records are sealed with `key` (32 bytes).
   *
   * @throws TunError `ESYSCALL` when the descriptor cannot be duplicated
   */
  addSender(socketFd: number, key: Uint8Array, onClosed: FastChannelClosedHandler): FastSendChannel
  /**
   * Adds the receiving side of a connected TCP socket: writes `init.ack`, then opens its records.
   *
   * @throws TunError `ESYSCALL` when the descriptor cannot be duplicated or the ack not written
   */
  addReceiver(socketFd: number, init: FastReceiverInit, onClosed: FastChannelClosedHandler): FastReceiveChannel
  /** Replaces every route: packets to `address` (4 or 16 bytes) go to `channel`. */
  replaceRoutes(routes: ReadonlyArray<readonly [address: Uint8Array, channel: FastSendChannel]>): void
}

const SENDER_SLOTS = 4
const RECEIVER_SLOTS = 5

/** A channel of the native loop: its id there and its live counters. */
abstract class NativeChannel {
  readonly id: number
  protected readonly native: NativeFastPath
  protected readonly slots: Float64Array
  readonly #owner: NativeFastPathHandle

  constructor (owner: NativeFastPathHandle, native: NativeFastPath, id: number, slots: Float64Array) {
    this.#owner = owner
    this.native = native
    this.id = id
    this.slots = slots
  }

  close (): void {
    this.#owner.forget(this.id)
  }
}

class NativeSendChannel extends NativeChannel implements FastSendChannel {
  get counters (): FastSendCounters {
    const [packets, bytes, queueFullDrops, queueDelayDrops] = this.slots
    return { packets, bytes, queueFullDrops, queueDelayDrops }
  }

  send (buffer: Uint8Array, spans: Int32Array, count: number): boolean {
    return this.native.send(this.id, buffer, spans, count)
  }
}

class NativeReceiveChannel extends NativeChannel implements FastReceiveChannel {
  get counters (): FastReceiveCounters {
    const [packets, bytes, malformedDrops, spoofedDrops, tunFullDrops] = this.slots
    return { packets, bytes, malformedDrops, spoofedDrops, tunFullDrops }
  }

  setAllowedSources (sources: AllowedSources): void {
    this.native.setAllowedSources(this.id, sources.addresses, sources.any)
  }
}

/** {@link FastPath} over the addon's loop; the device owns it. */
export class NativeFastPathHandle implements FastPath {
  readonly #native: NativeFastPath
  readonly #name: string
  readonly #onClosed = new Map<number, FastChannelClosedHandler>()

  constructor (native: NativeFastPath, deviceName: string) {
    this.#native = native
    this.#name = deviceName
  }

  addSender (socketFd: number, key: Uint8Array, onClosed: FastChannelClosedHandler): FastSendChannel {
    const slots = new Float64Array(SENDER_SLOTS)
    const id = this.#call(() => this.#native.addSender(socketFd, key, slots))
    this.#onClosed.set(id, onClosed)
    return new NativeSendChannel(this, this.#native, id, slots)
  }

  addReceiver (socketFd: number, init: FastReceiverInit, onClosed: FastChannelClosedHandler): FastReceiveChannel {
    const slots = new Float64Array(RECEIVER_SLOTS)
    const { key, ack, received, sources } = init
    const id = this.#call(() => this.#native.addReceiver(socketFd, key, ack, slots, received, sources.addresses, sources.any))
    this.#onClosed.set(id, onClosed)
    return new NativeReceiveChannel(this, this.#native, id, slots)
  }

  replaceRoutes (routes: ReadonlyArray<readonly [address: Uint8Array, channel: FastSendChannel]>): void {
    const senders = Int32Array.from(routes, ([, channel]) => (channel as NativeSendChannel).id)
    this.#native.replaceRoutes(routes.map(([address]) => address), senders)
  }

  /** Closes a channel the caller no longer wants (no close handler runs). */
  forget (id: number): void {
    if (this.#onClosed.delete(id)) this.#native.closeChannel(id)
  }

  /**
   * Handles a closure the loop reports for a channel.
   *
   * @returns false for id 0: the device itself failed
   */
  channelClosed (id: number, reason: string, brokeFormat: boolean): boolean {
    if (id === 0) return false
    const onClosed = this.#onClosed.get(id)
    this.forget(id)
    onClosed?.(reason, brokeFormat)
    return true
  }

  #call<T> (action: () => T): T {
    try {
      return action()
    } catch (error) {
      throw explainNativeError(error, `the fast path of ${this.#name}`)
    }
  }
}
