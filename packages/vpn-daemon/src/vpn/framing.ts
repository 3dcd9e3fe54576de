/**
 * The framing of `/edgevpn-ts/vpn/1.0.0`: every IP packet is preceded by its length as a 2-byte
 * big-endian number, and frames follow each other with nothing in between.
 *
 * Two bytes are enough because the stream carries plain IP packets, whose own length fields
 * are 16 bits (an interface MTU cannot exceed 65535). Carrying 64 KiB GSO super-packets with a
 * virtio header would change what a frame holds, not only its size, so it would be a new
 * protocol version with its own header rather than a wider length here. A zero length is invalid.
 */
import type { UnitFormat } from './packet-splitter.js'

export const FRAME_HEADER_BYTES = 2
export const MAX_FRAMED_PACKET_BYTES = 0xffff

/** Length-prefixed packets as {@link PacketSplitter} reads them. */
export const FRAMED_PACKETS: UnitFormat = {
  unitLength: (bytes, offset, available) => {
    if (available < FRAME_HEADER_BYTES) return 0
    const length = (bytes[offset] << 8) | bytes[offset + 1]
    return length === 0 ? -1 : FRAME_HEADER_BYTES + length
  },
  prefixBytes: FRAME_HEADER_BYTES,
  maxUnitBytes: FRAME_HEADER_BYTES + MAX_FRAMED_PACKET_BYTES
}

/**
 * Frames `count` packets, packet `i` being `source[spans[2i], spans[2i] + spans[2i + 1])`, into
 * one new buffer (the source is usually the TUN device's reused read buffer).
 *
 * @throws RangeError when a packet is empty or longer than 65535 bytes
 */
export function encodeFrames (source: Uint8Array, spans: Int32Array, count: number): Uint8Array {
  let size = 0
  for (let i = 0; i < count; i++) size += FRAME_HEADER_BYTES + checkLength(spans[2 * i + 1])
  const frames = new Uint8Array(size)
  let offset = 0
  for (let i = 0; i < count; i++) {
    const start = spans[2 * i]
    const length = spans[2 * i + 1]
    frames[offset] = length >> 8
    frames[offset + 1] = length & 0xff
    frames.set(source.subarray(start, start + length), offset + FRAME_HEADER_BYTES)
    offset += FRAME_HEADER_BYTES + length
  }
  return frames
}

function checkLength (length: number): number {
  if (length < 1 || length > MAX_FRAMED_PACKET_BYTES) throw new RangeError(`a framed packet must be 1 to ${MAX_FRAMED_PACKET_BYTES} bytes, got ${length}`)
  return length
}
