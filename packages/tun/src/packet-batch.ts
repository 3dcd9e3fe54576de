/**
 * Packets read from a TUN device in one go. Packet `i` is `buffer[offset(i), offset(i) + length(i))`.
 *
 * Unless the device was opened with `copy: true`, the batch and its buffer are reused: they are only
 * valid until the handler returns. Copy what you keep (e.g. `Buffer.from(batch.packet(i))`) before
 * handing it to anything asynchronous such as `dgram.send`.
 */
export interface PacketBatch {
  /** Number of packets. */
  readonly count: number
  /** The bytes holding the packets. */
  readonly buffer: Buffer
  /** `[offset, length]` pairs of the packets in `buffer`; entries past `2 * count` are stale. */
  readonly meta: Int32Array
  /** Where packet `index` starts in `buffer`. */
  offset(index: number): number
  /** Length of packet `index` in bytes. */
  length(index: number): number
  /** Packet `index` as a view into `buffer` (no copy). */
  packet(index: number): Buffer
  /** Every packet as a view into `buffer`. */
  [Symbol.iterator](): Iterator<Buffer>
}

/** A {@link PacketBatch} whose contents the device replaces for every delivery. */
export class ReusablePacketBatch implements PacketBatch {
  count: number
  buffer: Buffer
  meta: Int32Array

  constructor (buffer: Buffer, meta: Int32Array, count = 0) {
    this.buffer = buffer
    this.meta = meta
    this.count = count
  }

  offset (index: number): number {
    return this.meta[2 * this.#check(index)]
  }

  length (index: number): number {
    return this.meta[2 * this.#check(index) + 1]
  }

  packet (index: number): Buffer {
    const start = this.offset(index)
    return this.buffer.subarray(start, start + this.meta[2 * index + 1])
  }

  * [Symbol.iterator] (): Iterator<Buffer> {
    for (let index = 0; index < this.count; index++) yield this.packet(index)
  }

  #check (index: number): number {
    if (!Number.isInteger(index) || index < 0 || index >= this.count) {
      throw new RangeError(`packet index ${index} is outside the batch of ${this.count}`)
    }
    return index
  }
}
