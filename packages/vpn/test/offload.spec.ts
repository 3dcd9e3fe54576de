import { randomBytes, randomInt } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { encodeFrameRuns, encodeFrames, FRAMED_PACKETS, MAX_OFFLOAD_FRAME_BYTES, OFFLOAD_FRAMES } from '../src/framing.js'
import { PacketSplitter, StreamFormatError } from '../src/packet-splitter.js'
import { segmentOffloadUnit, SegmentationError } from '../src/software-segmentation.js'
import {
  isPlainPacket, readVnetHeader, VNET_F_NEEDS_CSUM, VNET_GSO_ECN, VNET_GSO_NONE, VNET_GSO_TCPV4, VNET_GSO_TCPV6, VNET_HDR_BYTES, writeVnetHeader
} from '../src/vnet-header.js'
import type { VnetHeader } from '../src/vnet-header.js'

const TCP = 6
const UDP = 17
const FIN = 0x01
const PSH = 0x08
const ACK = 0x10
const CWR = 0x80

/** Ones' complement sum of big-endian words, folded (written independently of the code under test). */
function onesSum (parts: Uint8Array[]): number {
  const joined = Buffer.concat(parts)
  let sum = 0
  for (let i = 0; i < joined.length; i += 2) sum += (joined[i] << 8) | (joined[i + 1] ?? 0)
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16)
  return sum
}

function be16 (value: number): Uint8Array {
  return Uint8Array.of(value >> 8, value & 0xff)
}

/** The transport pseudo-header of an IPv4 or IPv6 packet whose L4 part starts at `l4`. */
function pseudoHeader (packet: Uint8Array, l4: number, protocol: number): Uint8Array {
  const l4Length = packet.length - l4
  if (packet[0] >> 4 === 4) return Buffer.concat([packet.subarray(12, 20), Uint8Array.of(0, protocol), be16(l4Length)])
  return Buffer.concat([packet.subarray(8, 40), Uint8Array.of(0, 0), be16(l4Length), Uint8Array.of(0, 0, 0, protocol)])
}

/** Whether the L4 checksum of `packet` verifies (the sum over pseudo-header and segment is 0xffff). */
function l4ChecksumValid (packet: Uint8Array, l4: number, protocol: number): boolean {
  return onesSum([pseudoHeader(packet, l4, protocol), packet.subarray(l4)]) === 0xffff
}

interface TcpSuperPacket {
  unit: Uint8Array
  payload: Uint8Array
  header: VnetHeader
}

/**
 * A TCP GSO super-packet as a TUN with TSO hands it over: the headers of the first segment, the
 * whole payload, the IP length of the whole, and the TCP checksum field holding only the
 * pseudo-header sum (NEEDS_CSUM), behind a virtio header.
 */
function tcpSuperPacket (version: 4 | 6, payloadBytes: number, mss: number, flags: number): TcpSuperPacket {
  const ipBytes = version === 4 ? 20 : 40
  const tcpBytes = 32 // with 12 bytes of options (timestamps), as Linux sends
  const packet = new Uint8Array(ipBytes + tcpBytes + payloadBytes)
  const view = new DataView(packet.buffer)
  if (version === 4) {
    packet[0] = 0x45
    view.setUint16(2, packet.length)
    view.setUint16(4, 0xfffe) // the ID wraps during segmentation
    packet[6] = 0x40
    packet[8] = 64
    packet[9] = TCP
    packet.set([10, 1, 0, 1, 10, 1, 0, 2], 12)
    view.setUint16(10, ~onesSum([packet.subarray(0, 20)]) & 0xffff)
  } else {
    packet[0] = 0x60
    view.setUint16(4, packet.length - 40)
    packet[6] = TCP
    packet[7] = 64
    packet.set(randomBytes(32), 8)
  }
  const tcp = ipBytes
  view.setUint16(tcp, 40000)
  view.setUint16(tcp + 2, 5201)
  view.setUint32(tcp + 4, 0xffffff00) // the sequence number wraps during segmentation
  view.setUint32(tcp + 8, 12345)
  packet[tcp + 12] = (tcpBytes / 4) << 4
  packet[tcp + 13] = flags
  view.setUint16(tcp + 14, 512)
  packet.set([1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2], tcp + 20)
  const payload = new Uint8Array(randomBytes(payloadBytes))
  packet.set(payload, ipBytes + tcpBytes)
  // partial checksum: the folded pseudo-header sum, not complemented
  view.setUint16(tcp + 16, onesSum([pseudoHeader(packet, tcp, TCP)]))
  const header: VnetHeader = {
    flags: VNET_F_NEEDS_CSUM,
    gsoType: (version === 4 ? VNET_GSO_TCPV4 : VNET_GSO_TCPV6) | ((flags & CWR) !== 0 ? VNET_GSO_ECN : 0),
    headerLength: ipBytes + tcpBytes,
    gsoSize: mss,
    csumStart: tcp,
    csumOffset: 16
  }
  const unit = new Uint8Array(VNET_HDR_BYTES + packet.length)
  writeVnetHeader(unit, 0, header)
  unit.set(packet, VNET_HDR_BYTES)
  return { unit, payload, header }
}

function packetsOf (run: { bytes: Uint8Array, spans: Int32Array, count: number }): Uint8Array[] {
  return Array.from({ length: run.count }, (_, i) => run.bytes.subarray(run.spans[2 * i], run.spans[2 * i] + run.spans[2 * i + 1]))
}

describe('offload framing (/edgevpn-ts/vpn/1.1.0)', () => {
  const units = [MAX_OFFLOAD_FRAME_BYTES, 11, 65536, 1410, ...Array.from({ length: 20 }, () => randomInt(11, MAX_OFFLOAD_FRAME_BYTES + 1))]
    .map(size => new Uint8Array(randomBytes(size)))
  const buffer = Buffer.concat(units)
  const spans = new Int32Array(2 * units.length)
  units.reduce((offset, unit, i) => {
    spans[2 * i] = offset
    spans[2 * i + 1] = unit.length
    return offset + unit.length
  }, 0)

  it('prefixes each unit with a 4-byte big-endian length and round-trips any chunking', () => {
    const frames = encodeFrames(buffer, spans, units.length, OFFLOAD_FRAMES)
    expect(frames.length).toBe(buffer.length + 4 * units.length)
    expect([...frames.subarray(0, 4)]).toEqual([0, 1, 0, 9]) // 65545
    const out: Uint8Array[] = []
    const splitter = new PacketSplitter(OFFLOAD_FRAMES)
    for (let offset = 0; offset < frames.length;) {
      const size = randomInt(1, 90000)
      splitter.push(frames.subarray(offset, offset + size), unit => { out.push(unit.slice()) })
      offset += size
    }
    expect(out).toEqual(units)
    expect(splitter.pendingBytes).toBe(0)
  })

  it('frames several runs in order', () => {
    const first = { bytes: buffer, spans: spans.subarray(0, 4), count: 2 }
    const second = { bytes: units[3], spans: Int32Array.of(0, units[3].length), count: 1 }
    const out: Uint8Array[] = []
    new PacketSplitter(OFFLOAD_FRAMES).push(encodeFrameRuns([first, second], OFFLOAD_FRAMES), unit => { out.push(unit.slice()) })
    expect(out).toEqual([units[0], units[1], units[3]])
  })

  it('rejects zero and oversized lengths, and 1.0.0 still refuses units above 65535 bytes', () => {
    expect(() => { new PacketSplitter(OFFLOAD_FRAMES).push(Uint8Array.of(0, 0, 0, 0, 1), () => {}) }).toThrow(StreamFormatError)
    expect(() => { new PacketSplitter(OFFLOAD_FRAMES).push(Uint8Array.of(0, 1, 0, 10, 1), () => {}) }).toThrow(StreamFormatError)
    expect(() => encodeFrames(new Uint8Array(70000), Int32Array.of(0, MAX_OFFLOAD_FRAME_BYTES + 1), 1, OFFLOAD_FRAMES)).toThrow(RangeError)
    expect(() => encodeFrames(new Uint8Array(70000), Int32Array.of(0, 65536), 1, FRAMED_PACKETS)).toThrow(RangeError)
  })
})

describe('virtio header', () => {
  it('reads what it writes (little-endian fields)', () => {
    const header = { flags: 1, gsoType: VNET_GSO_TCPV6 | VNET_GSO_ECN, headerLength: 72, gsoSize: 1388, csumStart: 40, csumOffset: 16 }
    const bytes = new Uint8Array(12)
    writeVnetHeader(bytes, 2, header)
    expect([...bytes.subarray(2, 8)]).toEqual([1, 0x84, 72, 0, 0x6c, 0x05])
    expect(readVnetHeader(bytes, 2)).toEqual(header)
    expect(isPlainPacket(bytes, 2)).toBe(false)
    expect(isPlainPacket(new Uint8Array(10), 0)).toBe(true)
  })
})

describe('software segmentation of TCP GSO packets', () => {
  for (const version of [4, 6] as const) {
    it(`splits an IPv${version} super-packet into MSS-sized packets with correct headers and checksums`, () => {
      const mss = 1388
      const flags = ACK | PSH | FIN | CWR
      const { unit, payload } = tcpSuperPacket(version, 20 * mss + 123, mss, flags)
      const original = unit.slice()
      const packets = packetsOf(segmentOffloadUnit(unit, 0, unit.length))
      expect(unit).toEqual(original) // the source is left alone
      expect(packets).toHaveLength(21)
      const ipBytes = version === 4 ? 20 : 40
      const tcp = ipBytes
      const received: Uint8Array[] = []
      packets.forEach((packet, i) => {
        const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength)
        const last = i === packets.length - 1
        expect(packet.length).toBe(ipBytes + 32 + (last ? 123 : mss))
        if (version === 4) {
          expect(view.getUint16(2)).toBe(packet.length)
          expect(view.getUint16(4)).toBe((0xfffe + i) & 0xffff)
          expect(onesSum([packet.subarray(0, 20)])).toBe(0xffff)
        } else {
          expect(view.getUint16(4)).toBe(packet.length - 40)
        }
        expect(view.getUint32(tcp + 4)).toBe((0xffffff00 + i * mss) >>> 0)
        expect(view.getUint32(tcp + 8)).toBe(12345)
        expect(packet[tcp + 13]).toBe(ACK | (i === 0 ? CWR : 0) | (last ? PSH | FIN : 0))
        expect(l4ChecksumValid(packet, tcp, TCP)).toBe(true)
        received.push(packet.subarray(ipBytes + 32))
      })
      expect(Buffer.concat(received)).toEqual(Buffer.from(payload))
    })
  }

  it('completes the checksum of a GSO packet whose payload fits one segment', () => {
    const { unit } = tcpSuperPacket(4, 500, 1388, ACK)
    const packets = packetsOf(segmentOffloadUnit(unit, 0, unit.length))
    expect(packets).toHaveLength(1)
    expect(l4ChecksumValid(packets[0], 20, TCP)).toBe(true)
  })

  it('completes a partial checksum of a packet without GSO (UDP)', () => {
    const packet = new Uint8Array(20 + 8 + 333)
    const view = new DataView(packet.buffer)
    packet[0] = 0x45
    view.setUint16(2, packet.length)
    packet[8] = 64
    packet[9] = UDP
    packet.set([10, 1, 0, 1, 10, 1, 0, 2], 12)
    view.setUint16(10, ~onesSum([packet.subarray(0, 20)]) & 0xffff)
    view.setUint16(20, 5000)
    view.setUint16(22, 7007)
    view.setUint16(24, 8 + 333)
    packet.set(randomBytes(333), 28)
    view.setUint16(26, onesSum([pseudoHeader(packet, 20, UDP)]))
    const unit = new Uint8Array(VNET_HDR_BYTES + packet.length)
    writeVnetHeader(unit, 0, { flags: VNET_F_NEEDS_CSUM, gsoType: VNET_GSO_NONE, headerLength: 0, gsoSize: 0, csumStart: 20, csumOffset: 6 })
    unit.set(packet, VNET_HDR_BYTES)
    const [out] = packetsOf(segmentOffloadUnit(unit, 0, unit.length))
    expect(out.length).toBe(packet.length)
    expect(l4ChecksumValid(out, 20, UDP)).toBe(true)
    expect(out.subarray(28)).toEqual(packet.subarray(28))
  })

  it('refuses headers that do not fit the packet', () => {
    const { unit } = tcpSuperPacket(4, 5000, 1388, ACK)
    const udpGso = unit.slice()
    udpGso[1] = 3 // VIRTIO_NET_HDR_GSO_UDP: never enabled on our device
    expect(() => segmentOffloadUnit(udpGso, 0, udpGso.length)).toThrow(SegmentationError)
    const wrongFamily = unit.slice()
    wrongFamily[1] = VNET_GSO_TCPV6
    expect(() => segmentOffloadUnit(wrongFamily, 0, wrongFamily.length)).toThrow(SegmentationError)
    const badStart = unit.slice()
    writeVnetHeader(badStart, 0, { ...readVnetHeader(unit, 0), csumStart: 10 })
    expect(() => segmentOffloadUnit(badStart, 0, badStart.length)).toThrow(SegmentationError)
    const noMss = unit.slice()
    writeVnetHeader(noMss, 0, { ...readVnetHeader(unit, 0), gsoSize: 0 })
    expect(() => segmentOffloadUnit(noMss, 0, noMss.length)).toThrow(SegmentationError)
    const badChecksumField = unit.slice(0, VNET_HDR_BYTES + 40)
    writeVnetHeader(badChecksumField, 0, { ...readVnetHeader(unit, 0), gsoType: VNET_GSO_NONE, csumStart: 30, csumOffset: 16 })
    expect(() => segmentOffloadUnit(badChecksumField, 0, badChecksumField.length)).toThrow(SegmentationError)
    expect(() => segmentOffloadUnit(unit, 0, VNET_HDR_BYTES)).toThrow(SegmentationError)
  })
})
