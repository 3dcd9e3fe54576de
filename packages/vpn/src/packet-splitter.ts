/**
 * Cuts a byte stream into the packets it carries back to back, whatever the chunk boundaries.
 * Packets that lie whole inside a chunk are handed out as views of it (no copy); only a packet
 * split across chunks is assembled in a buffer of the splitter.
 */
import { declaredIpLength } from './ip-packet.js'
import type { Uint8ArrayList } from 'uint8arraylist'

/** How the units of a stream are delimited. */
export interface UnitFormat {
  /**
   * The whole length of the unit starting at `bytes[offset]` when `available` bytes are present:
   * 0 when more bytes are needed to know it, -1 when the bytes cannot start a unit.
   */
  unitLength: (bytes: Uint8Array, offset: number, available: number) => number
  /** Bytes at the start of a unit that are not part of the packet it carries (a length prefix). */
  readonly prefixBytes: number
  /** The longest unit the format can express. */
  readonly maxUnitBytes: number
}

/** Raw IP packets back to back, delimited by the lengths in their own headers (Go `/edgevpn/0.1`). */
export const IP_PACKETS: UnitFormat = {
  unitLength: declaredIpLength,
  prefixBytes: 0,
  maxUnitBytes: 40 + 0xffff
}

/** The stream does not follow its format; the rest of it cannot be trusted. */
export class StreamFormatError extends Error {
  override name = 'StreamFormatError'
}

export class PacketSplitter {
  readonly #format: UnitFormat
  #partial: Uint8Array | undefined
  #partialLength = 0

  constructor (format: UnitFormat) {
    this.#format = format
  }

  /** Bytes of an incomplete unit waiting for the next chunk. */
  get pendingBytes (): number {
    return this.#partialLength
  }

  /**
   * Feeds one chunk and calls `deliver` with every packet completed by it, in order. The packet
   * views are valid only during the call.
   *
   * @throws StreamFormatError when the bytes cannot start a unit
   */
  push (chunk: Uint8Array | Uint8ArrayList, deliver: (packet: Uint8Array) => void): void {
    if (chunk instanceof Uint8Array) {
      this.#pushBytes(chunk, deliver)
    } else {
      for (const part of chunk) this.#pushBytes(part, deliver)
    }
  }

  #pushBytes (chunk: Uint8Array, deliver: (packet: Uint8Array) => void): void {
    let offset = this.#partialLength > 0 ? this.#completePartial(chunk, deliver) : 0
    const { prefixBytes } = this.#format
    while (offset < chunk.length) {
      const length = this.#measure(chunk, offset, chunk.length - offset)
      if (length === 0 || offset + length > chunk.length) break
      deliver(chunk.subarray(offset + prefixBytes, offset + length))
      offset += length
    }
    if (offset < chunk.length) {
      this.#partialBuffer().set(chunk.subarray(offset), 0)
      this.#partialLength = chunk.length - offset
    }
  }

  /** Moves bytes from `chunk` into the partial unit; returns how many it took. */
  #completePartial (chunk: Uint8Array, deliver: (packet: Uint8Array) => void): number {
    const partial = this.#partialBuffer()
    let taken = 0
    while (taken < chunk.length) {
      let length = this.#measure(partial, 0, this.#partialLength)
      // the header itself is split: take one byte at a time until its length is known
      const wanted = length === 0 ? 1 : length - this.#partialLength
      const step = Math.min(wanted, chunk.length - taken)
      partial.set(chunk.subarray(taken, taken + step), this.#partialLength)
      this.#partialLength += step
      taken += step
      length = this.#measure(partial, 0, this.#partialLength)
      if (length !== 0 && this.#partialLength === length) {
        this.#partialLength = 0
        deliver(partial.subarray(this.#format.prefixBytes, length))
        break
      }
    }
    return taken
  }

  #measure (bytes: Uint8Array, offset: number, available: number): number {
    const length = this.#format.unitLength(bytes, offset, available)
    if (length < 0 || length > this.#format.maxUnitBytes || (length > 0 && length <= this.#format.prefixBytes)) {
      throw new StreamFormatError(`stream bytes do not start a packet (declared length ${length})`)
    }
    return length
  }

  #partialBuffer (): Uint8Array {
    this.#partial ??= new Uint8Array(this.#format.maxUnitBytes)
    return this.#partial
  }
}
