/**
 * The framings of the framed data-plane protocols: every unit is preceded by its length as a
 * big-endian number, and frames follow each other with nothing in between. A zero length is invalid.
 *
 * - `/edgevpn-ts/vpn/1.0.0` ({@link FRAMED_PACKETS}): 2-byte lengths, each unit a plain IP packet
 *   (its own length fields are 16 bits, so an MTU cannot exceed 65535).
 * - `/edgevpn-ts/vpn/1.1.0` ({@link OFFLOAD_FRAMES}): 4-byte lengths, each unit a 10-byte
 *   virtio_net_hdr followed by an IP packet that may be a GSO super-packet of up to 64 KiB, exactly
 *   as a TUN device opened with IFF_VNET_HDR reads and writes it (see vnet-header.ts).
 */
import { VNET_HDR_BYTES } from '@edgevpn/tun'
import type { UnitFormat } from './packet-splitter.js'

/** A {@link UnitFormat} whose units are a big-endian length followed by that many bytes. */
export interface FrameFormat extends UnitFormat {
  /** Size of the length prefix: 2 or 4 bytes. */
  readonly prefixBytes: 2 | 4
  /** The longest unit body the format carries. */
  readonly maxBodyBytes: number
}

function lengthPrefixed (prefixBytes: 2 | 4, maxBodyBytes: number): FrameFormat {
  return {
    unitLength: (bytes, offset, available) => {
      if (available < prefixBytes) return 0
      let length = 0
      for (let i = 0; i < prefixBytes; i++) length = length * 256 + bytes[offset + i]
      return length === 0 || length > maxBodyBytes ? -1 : prefixBytes + length
    },
    prefixBytes,
    maxBodyBytes,
    maxUnitBytes: prefixBytes + maxBodyBytes
  }
}

export const FRAME_HEADER_BYTES = 2
export const MAX_FRAMED_PACKET_BYTES = 0xffff
/** Largest unit of {@link OFFLOAD_FRAMES}: a virtio header and a 64 KiB IP packet. */
export const MAX_OFFLOAD_FRAME_BYTES = VNET_HDR_BYTES + 0xffff

/** Length-prefixed packets of `/edgevpn-ts/vpn/1.0.0` as {@link PacketSplitter} reads them. */
export const FRAMED_PACKETS: FrameFormat = lengthPrefixed(FRAME_HEADER_BYTES, MAX_FRAMED_PACKET_BYTES)

/** Length-prefixed virtio header + packet units of `/edgevpn-ts/vpn/1.1.0`. */
export const OFFLOAD_FRAMES: FrameFormat = lengthPrefixed(4, MAX_OFFLOAD_FRAME_BYTES)

/** Packets laid out in one buffer, packet `i` being `bytes[spans[2i], spans[2i] + spans[2i + 1])`. */
export interface PacketRun {
  readonly bytes: Uint8Array
  readonly spans: Int32Array
  readonly count: number
}

/**
 * Frames `count` units, unit `i` being `source[spans[2i], spans[2i] + spans[2i + 1])`, into one
 * new buffer (the source is usually the TUN device's reused read buffer).
 *
 * @throws RangeError when a unit is empty or longer than the format allows
 */
export function encodeFrames (source: Uint8Array, spans: Int32Array, count: number, format: FrameFormat = FRAMED_PACKETS, scratch?: Uint8Array): Uint8Array {
  return encodeFrameRuns([{ bytes: source, spans, count }], format, scratch)
}

/**
 * Frames the units of several runs, in order, into one new buffer, or into the start of
 * `scratch` when it is large enough (the result is then a view of it).
 *
 * @throws RangeError when a unit is empty or longer than the format allows
 */
export function encodeFrameRuns (runs: readonly PacketRun[], format: FrameFormat = FRAMED_PACKETS, scratch?: Uint8Array): Uint8Array {
  const { prefixBytes, maxBodyBytes } = format
  let size = 0
  for (const { spans, count } of runs) {
    for (let i = 0; i < count; i++) {
      const length = spans[2 * i + 1]
      if (length < 1 || length > maxBodyBytes) throw new RangeError(`a framed unit must be 1 to ${maxBodyBytes} bytes, got ${length}`)
      size += prefixBytes + length
    }
  }
  const frames = scratch !== undefined && scratch.length >= size ? scratch.subarray(0, size) : new Uint8Array(size)
  let offset = 0
  for (const { bytes, spans, count } of runs) {
    for (let i = 0; i < count; i++) {
      const start = spans[2 * i]
      const length = spans[2 * i + 1]
      for (let byte = prefixBytes - 1, rest = length; byte >= 0; byte--, rest >>>= 8) frames[offset + byte] = rest & 0xff
      frames.set(bytes.subarray(start, start + length), offset + prefixBytes)
      offset += prefixBytes + length
    }
  }
  return frames
}
