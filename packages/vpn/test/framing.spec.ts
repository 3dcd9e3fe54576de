import { randomBytes, randomInt } from 'node:crypto'
import { Uint8ArrayList } from 'uint8arraylist'
import { describe, expect, it } from 'vitest'
import { encodeFrames, FRAMED_PACKETS } from '../src/framing.js'
import { IP_PACKETS, PacketSplitter, StreamFormatError } from '../src/packet-splitter.js'
import { ipv4Udp } from './fixtures/ip-packets.js'

/** Packets laid out in one buffer, with their `[offset, length]` spans, like a TUN read batch. */
function batchOf (packets: Uint8Array[]): { buffer: Uint8Array, spans: Int32Array } {
  const buffer = new Uint8Array(packets.reduce((sum, p) => sum + p.length + 3, 0))
  const spans = new Int32Array(2 * packets.length)
  let offset = 0
  packets.forEach((packet, i) => {
    offset += 3 // gaps: encodeFrames must only take the spans
    buffer.set(packet, offset)
    spans[2 * i] = offset
    spans[2 * i + 1] = packet.length
    offset += packet.length
  })
  return { buffer, spans }
}

/** Cuts `bytes` at random places, as a transport may. */
function randomChunks (bytes: Uint8Array): Uint8Array[] {
  const chunks: Uint8Array[] = []
  for (let offset = 0; offset < bytes.length;) {
    const size = Math.min(bytes.length - offset, randomInt(1, 3000))
    chunks.push(bytes.slice(offset, offset + size))
    offset += size
  }
  return chunks
}

function collect (splitter: PacketSplitter, chunks: Array<Uint8Array | Uint8ArrayList>): Uint8Array[] {
  // copies, because a packet assembled from pieces lives in a buffer the splitter reuses
  const out: Uint8Array[] = []
  for (const chunk of chunks) splitter.push(chunk, packet => { out.push(packet.slice()) })
  return out
}

describe('framing', () => {
  const packets = Array.from({ length: 200 }, (_, i) => new Uint8Array(randomBytes(i === 0 ? 65535 : randomInt(1, 1500))))

  it('round-trips whole, byte by byte and randomly split streams', () => {
    const { buffer, spans } = batchOf(packets)
    const frames = encodeFrames(buffer, spans, packets.length)
    expect(frames.length).toBe(packets.reduce((sum, p) => sum + 2 + p.length, 0))
    expect(collect(new PacketSplitter(FRAMED_PACKETS), [frames])).toEqual(packets)
    expect(collect(new PacketSplitter(FRAMED_PACKETS), randomChunks(frames))).toEqual(packets)
    const small = frames.subarray(0, 2 + packets[0].length + 2 + packets[1].length)
    expect(collect(new PacketSplitter(FRAMED_PACKETS), [...small].map(byte => Uint8Array.of(byte)))).toEqual(packets.slice(0, 2))
  })

  it('reads Uint8ArrayList chunks', () => {
    const { buffer, spans } = batchOf(packets.slice(1, 10))
    const list = new Uint8ArrayList(...randomChunks(encodeFrames(buffer, spans, 9)))
    expect(collect(new PacketSplitter(FRAMED_PACKETS), [list])).toEqual(packets.slice(1, 10))
  })

  it('hands out whole packets as views of the chunk, without copying', () => {
    const { buffer, spans } = batchOf(packets.slice(1, 3))
    const frames = encodeFrames(buffer, spans, 2)
    const views: Uint8Array[] = []
    new PacketSplitter(FRAMED_PACKETS).push(frames, packet => { views.push(packet) })
    expect(views.map(view => view.buffer)).toEqual([frames.buffer, frames.buffer])
  })

  it('keeps a partial frame until the rest arrives', () => {
    const { buffer, spans } = batchOf([packets[1]])
    const frames = encodeFrames(buffer, spans, 1)
    const splitter = new PacketSplitter(FRAMED_PACKETS)
    expect(collect(splitter, [frames.subarray(0, 1)])).toEqual([])
    expect(splitter.pendingBytes).toBe(1)
    expect(collect(splitter, [frames.subarray(1)])).toEqual([packets[1]])
    expect(splitter.pendingBytes).toBe(0)
  })

  it('rejects a zero length and refuses to frame empty or oversized packets', () => {
    expect(() => { new PacketSplitter(FRAMED_PACKETS).push(Uint8Array.of(0, 0, 1), () => {}) }).toThrow(StreamFormatError)
    expect(() => encodeFrames(new Uint8Array(4), Int32Array.of(0, 0), 1)).toThrow(RangeError)
    expect(() => encodeFrames(new Uint8Array(70000), Int32Array.of(0, 65536), 1)).toThrow(RangeError)
  })
})

describe('splitting raw IP packets (Go /edgevpn/0.1 streams)', () => {
  const packets = Array.from({ length: 50 }, (_, i) => ipv4Udp('10.1.0.1', '10.1.0.2', 7, randomBytes(i * 25)))
  const joined = new Uint8Array(Buffer.concat(packets))

  it('splits back-to-back packets by their header lengths, whatever the chunks', () => {
    expect(collect(new PacketSplitter(IP_PACKETS), [joined])).toEqual(packets)
    expect(collect(new PacketSplitter(IP_PACKETS), randomChunks(joined))).toEqual(packets)
  })

  it('reports a stream that is not IP', () => {
    expect(() => { new PacketSplitter(IP_PACKETS).push(Uint8Array.of(0x12, 0, 0, 0), () => {}) }).toThrow(StreamFormatError)
  })
})
