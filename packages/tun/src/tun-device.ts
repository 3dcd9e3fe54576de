import { NativeFastPathHandle } from './fast-path.js'
import { COUNTER, FAST_PATH_COUNTER } from './native-binding.js'
import { ReusablePacketBatch } from './packet-batch.js'
import { TunError, explainNativeError, fromSystemCallError } from './tun-error.js'
import type { FastPath, FastPathInit } from './fast-path.js'
import type { SystemCallError } from './tun-error.js'
import type { NativeBinding, NativeFastPath, NativeTunQueue } from './native-binding.js'
import type { PacketBatch } from './packet-batch.js'
import type { ResolvedTunInit } from './tun-init.js'

/** Traffic counters of one device queue since it was opened. */
export interface TunStats {
  /** Packets read from the device (sent by the kernel towards the VPN). */
  packetsRead: number
  bytesRead: number
  /** Packets written to the device (handed to the kernel's network stack). */
  packetsWritten: number
  bytesWritten: number
  /**
   * Packets read that were longer than `maxPacket` and dropped, or (with a fast path) that had no
   * route and found the previous batch still waiting for the JS thread.
   */
  readDrops: number
  /** Packets not written because a kernel queue was full (EAGAIN/ENOBUFS). */
  writeDrops: number
}

/** Receives the packets of one read batch; see {@link PacketBatch} for how long they stay valid. */
export type PacketHandler = (batch: PacketBatch) => void

/** Receives a read failure; the device has stopped reading when it is called. */
export type TunErrorHandler = (error: TunError) => void

/** An open queue of a TUN device (one file descriptor), made by {@link openTun}. */
export interface TunDevice {
  /** The interface name the kernel assigned. */
  readonly name: string
  /** The configured MTU. */
  readonly mtu: number
  /** The largest packet that is read; see {@link TunInit.maxPacket}. */
  readonly maxPacket: number
  /** A snapshot of the counters. */
  readonly stats: TunStats
  /** Whether {@link TunDevice.close} was called. */
  readonly closed: boolean

  /**
   * Sets the handler of read batches and starts reading (unless paused). While reading, the device keeps
   * the Node.js process alive. An exception thrown by the handler becomes an 'uncaughtException'.
   */
  onPackets(handler: PacketHandler): void

  /**
   * Sets the handler of read failures (e.g. the interface was deleted). Without one, the failure is
   * thrown as an 'uncaughtException'.
   */
  onError(handler: TunErrorHandler): void

  /**
   * Writes one IP packet (prefixed by a virtio_net_hdr with `vnetHdr`).
   *
   * @returns `false` when the packet was dropped because a kernel queue was full
   * @throws TunError `ECLOSED` after close, `ESYSCALL` when the kernel refuses the write (e.g. EIO: link down)
   */
  write(packet: Uint8Array): boolean

  /**
   * Writes `count` packets, packet `i` being `buffer[meta[2i], meta[2i] + meta[2i + 1])`, in one call;
   * a {@link PacketBatch} can be forwarded as `writeBatch(batch.buffer, batch.meta, batch.count)`.
   *
   * @returns how many packets were written; the others were dropped because a kernel queue was full
   * @throws RangeError when a packet lies outside `buffer` (nothing is written then)
   * @throws TunError `ECLOSED` after close, `ESYSCALL` when the kernel refuses a write (the batch stops there)
   */
  writeBatch(buffer: Uint8Array, meta: Int32Array, count: number): number

  /**
   * Hands the reading of the device to the addon's fast path (see {@link FastPath}): from then on
   * packets to peers with a fast channel never reach JS, and {@link onPackets} gets the others.
   * Needs `vnetHdr`. Closing the device stops it.
   *
   * @throws TunError `EINVALIDOPTION` without `vnetHdr` or when already started, `ECLOSED` after close
   */
  startFastPath(init?: FastPathInit): FastPath

  /** Stops reading; the kernel queues packets up to `txQueueLen`, then drops them. */
  pause(): void

  /** Reads again after {@link TunDevice.pause}. */
  resume(): void

  /**
   * Stops reading and closes the file descriptor. A device nobody else has open disappears with it.
   * Calling it again does nothing.
   */
  close(): void
}

/** A started fast path: the addon's loop, its public handle and the batch its hand-offs are read through. */
interface FastPathState {
  readonly native: NativeFastPath
  readonly handle: NativeFastPathHandle
  readonly batch: ReusablePacketBatch
}

/** {@link TunDevice} on a queue of the addon. */
export class NativeTunDevice implements TunDevice {
  readonly name: string
  readonly mtu: number
  readonly maxPacket: number
  readonly #binding: NativeBinding
  readonly #init: ResolvedTunInit
  readonly #queue: NativeTunQueue
  readonly #copy: boolean
  readonly #slabBatch: ReusablePacketBatch
  #fastPath: FastPathState | undefined
  #onPackets?: PacketHandler
  #onError?: TunErrorHandler
  #paused = false
  #closed = false

  /** Opens the queue; the caller configures the interface. */
  constructor (binding: NativeBinding, init: ResolvedTunInit) {
    const { multiQueue, vnetHdr, maxBatch, maxPacket, copy } = init
    this.#binding = binding
    this.#init = init
    try {
      this.#queue = new binding.TunQueue(init.name, { multiQueue, vnetHdr, maxBatch, maxPacket, copy },
        this.#deliver, this.#fail)
    } catch (error) {
      throw explainNativeError(error, init.name)
    }
    this.name = this.#queue.name
    this.mtu = init.mtu
    this.maxPacket = maxPacket
    this.#copy = copy
    this.#slabBatch = new ReusablePacketBatch(this.#queue.slab, this.#queue.meta)
  }

  get stats (): TunStats {
    const counters = this.#queue.counters
    // JS writes through the queue; with a fast path its threads read and write too
    const fast = this.#fastPath?.native.counters ?? new Float64Array(FAST_PATH_COUNTER.handoffDrops + 1)
    return {
      packetsRead: counters[COUNTER.packetsRead] + fast[FAST_PATH_COUNTER.packetsRead],
      bytesRead: counters[COUNTER.bytesRead] + fast[FAST_PATH_COUNTER.bytesRead],
      packetsWritten: counters[COUNTER.packetsWritten] + fast[FAST_PATH_COUNTER.packetsWritten],
      bytesWritten: counters[COUNTER.bytesWritten] + fast[FAST_PATH_COUNTER.bytesWritten],
      readDrops: counters[COUNTER.readDrops] + fast[FAST_PATH_COUNTER.readDrops] + fast[FAST_PATH_COUNTER.handoffDrops],
      writeDrops: counters[COUNTER.writeDrops] + fast[FAST_PATH_COUNTER.writeDrops]
    }
  }

  get closed (): boolean {
    return this.#closed
  }

  onPackets (handler: PacketHandler): void {
    this.#onPackets = handler
    this.#updateReading()
  }

  onError (handler: TunErrorHandler): void {
    this.#onError = handler
  }

  write (packet: Uint8Array): boolean {
    this.#checkOpen()
    try {
      return this.#queue.write(packet)
    } catch (error) {
      throw explainNativeError(error, this.name)
    }
  }

  writeBatch (buffer: Uint8Array, meta: Int32Array, count: number): number {
    this.#checkOpen()
    try {
      return this.#queue.writeBatch(buffer, meta, count)
    } catch (error) {
      throw explainNativeError(error, this.name)
    }
  }

  startFastPath (init: FastPathInit = {}): FastPath {
    this.#checkOpen()
    if (!this.#init.vnetHdr) throw new TunError('EINVALIDOPTION', `the fast path of ${this.name} needs a device opened with vnetHdr`)
    if (this.#fastPath !== undefined) throw new TunError('EINVALIDOPTION', `the fast path of ${this.name} is already started`)
    const { maxBatch, maxPacket } = this.#init
    let native: NativeFastPath
    try {
      native = new this.#binding.FastPath(this.#queue.fd, { maxBatch, maxPacket, ...init }, this.#deliverFromFastPath, this.#fastPathEvent)
    } catch (error) {
      throw explainNativeError(error, this.name)
    }
    const handle = new NativeFastPathHandle(native, this.name)
    this.#fastPath = { native, handle, batch: new ReusablePacketBatch(native.slab, native.meta) }
    this.#updateReading()
    return handle
  }

  pause (): void {
    this.#paused = true
    this.#updateReading()
  }

  resume (): void {
    this.#paused = false
    this.#updateReading()
  }

  close (): void {
    if (this.#closed) return
    this.#closed = true
    this.#fastPath?.native.close()
    this.#queue.close()
  }

  #updateReading (): void {
    if (this.#closed) return
    const reading = !this.#paused && this.#onPackets !== undefined
    if (this.#fastPath !== undefined) {
      // the fast path's send thread reads; the queue's poll stays off
      this.#queue.pause()
      this.#fastPath.native.setReading(reading)
    } else if (!reading) {
      this.#queue.pause()
    } else {
      this.#queue.resume()
    }
  }

  #checkOpen (): void {
    if (this.#closed) throw new TunError('ECLOSED', `TUN device ${this.name} is closed`)
  }

  readonly #deliver = (count: number, buffer: Buffer): void => {
    this.#handBatch(count, buffer, this.#queue.meta, this.#slabBatch)
  }

  readonly #deliverFromFastPath = (count: number, buffer: Buffer): void => {
    const fastPath = this.#fastPath as FastPathState
    // the addon hands its shared slab (the queue copies itself); a copy is of the used part only
    const used = count === 0 ? 0 : fastPath.native.meta[2 * count - 2] + fastPath.native.meta[2 * count - 1]
    this.#handBatch(count, this.#copy ? Buffer.from(buffer.subarray(0, used)) : buffer, fastPath.native.meta, fastPath.batch)
  }

  /** Hands a batch to the handler: with `copy`, `buffer` is the batch's own copy already. */
  #handBatch (count: number, buffer: Buffer, meta: Int32Array, reused: ReusablePacketBatch): void {
    const handler = this.#onPackets
    if (handler === undefined) return
    if (this.#copy) {
      handler(new ReusablePacketBatch(buffer, meta.slice(0, 2 * count), count))
    } else {
      reused.count = count
      handler(reused)
    }
  }

  readonly #fastPathEvent = (id: number, reason: string, brokeFormat: boolean): void => {
    if (this.#fastPath?.handle.channelClosed(id, reason, brokeFormat) !== false) return
    const error = new TunError('ESYSCALL', `${reason} on ${this.name}`)
    if (this.#onError === undefined) throw error
    this.#onError(error)
  }

  readonly #fail = (error: SystemCallError): void => {
    const explained = fromSystemCallError(error, this.name)
    if (this.#onError === undefined) throw explained
    this.#onError(explained)
  }
}
