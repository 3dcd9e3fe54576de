/**
 * Turns what a TUN device with IFF_VNET_HDR + TUNSETOFFLOAD(CSUM|TSO4|TSO6) reads (a virtio header
 * and a packet whose checksum may be partial, possibly a TCP GSO super-packet) into plain IP
 * packets of at most the MTU, for peers that take only plain packets (`/edgevpn/0.1`,
 * `/edgevpn-ts/vpn/1.0.0`). This is the work a NIC does for TSO: cut the payload into `gsoSize`
 * pieces, give each piece the headers with its own lengths, IPv4 ID, TCP sequence number, flags
 * and checksums.
 */
import {
  readVnetHeader, VNET_F_NEEDS_CSUM, VNET_GSO_ECN, VNET_GSO_NONE, VNET_GSO_TCPV4, VNET_GSO_TCPV6, VNET_HDR_BYTES
} from './vnet-header.js'
import type { PacketRun } from './framing.js'

/** The virtio header or the packet it describes cannot be made into plain packets. */
export class SegmentationError extends Error {
  override name = 'SegmentationError'
}

const TCP_FIN = 0x01
const TCP_PSH = 0x08
const TCP_CWR = 0x80
const IPPROTO_TCP = 6
const IPV6_HEADER_BYTES = 40

/**
 * The plain packets carried by the unit `bytes[offset, offset + length)` (a virtio header and a
 * packet), in a new buffer: the packet itself with its checksum completed, or the segments of a
 * TCP GSO packet.
 *
 * @throws SegmentationError when the header is inconsistent with the packet or names an
 * unsupported GSO type
 */
export function segmentOffloadUnit (bytes: Uint8Array, offset: number, length: number): PacketRun {
  if (length <= VNET_HDR_BYTES) throw new SegmentationError(`an offload unit of ${length} bytes holds no packet`)
  const header = readVnetHeader(bytes, offset)
  const packet = bytes.slice(offset + VNET_HDR_BYTES, offset + length)
  const gsoType = header.gsoType & ~VNET_GSO_ECN
  if (gsoType === VNET_GSO_NONE) {
    if ((header.flags & VNET_F_NEEDS_CSUM) !== 0) completeChecksum(packet, header.csumStart, header.csumOffset)
    return { bytes: packet, spans: Int32Array.of(0, packet.length), count: 1 }
  }
  const version = packet[0] >> 4
  if ((gsoType === VNET_GSO_TCPV4 && version === 4) || (gsoType === VNET_GSO_TCPV6 && version === 6)) {
    return segmentTcp(packet, header.csumStart, header.gsoSize)
  }
  throw new SegmentationError(`unsupported GSO type ${header.gsoType} for an IPv${version} packet`)
}

/** Finishes a partial checksum: the field holds the pseudo-header sum, the rest is summed here. */
function completeChecksum (packet: Uint8Array, start: number, fieldOffset: number): void {
  const field = start + fieldOffset
  if (field + 2 > packet.length) throw new SegmentationError(`checksum at ${field} lies outside the ${packet.length}-byte packet`)
  const checksum = ~fold(sum16(packet, start, packet.length, 0)) & 0xffff
  // 0 means "no checksum" for UDP; 0xffff is the same value in ones' complement
  writeBe16(packet, field, checksum === 0 ? 0xffff : checksum)
}

function segmentTcp (packet: Uint8Array, tcpStart: number, mss: number): PacketRun {
  const version = packet[0] >> 4
  const ipHeaderBytes = version === 4 ? (packet[0] & 0x0f) * 4 : IPV6_HEADER_BYTES
  if (tcpStart < ipHeaderBytes || tcpStart + 20 > packet.length) {
    throw new SegmentationError(`TCP header offset ${tcpStart} does not fit the ${packet.length}-byte packet`)
  }
  const headerBytes = tcpStart + (packet[tcpStart + 12] >> 4) * 4
  if (headerBytes > packet.length || headerBytes < tcpStart + 20) throw new SegmentationError('the TCP header length does not fit the packet')
  if (mss < 1) throw new SegmentationError('a GSO packet with a segment size of 0')
  const payloadBytes = packet.length - headerBytes
  const count = Math.max(1, Math.ceil(payloadBytes / mss))
  const out = new Uint8Array(count * headerBytes + payloadBytes)
  const spans = new Int32Array(2 * count)
  const firstSequence = readBe32(packet, tcpStart + 4)
  const flags = packet[tcpStart + 13]
  const firstId = version === 4 ? readBe16(packet, 4) : 0
  let at = 0
  for (let i = 0; i < count; i++) {
    const from = headerBytes + i * mss
    const to = Math.min(packet.length, from + mss)
    const size = headerBytes + to - from
    out.set(packet.subarray(0, headerBytes), at)
    out.set(packet.subarray(from, to), at + headerBytes)
    const tcp = at + tcpStart
    writeBe32(out, tcp + 4, (firstSequence + i * mss) >>> 0)
    let segmentFlags = flags
    if (i > 0) segmentFlags &= ~TCP_CWR
    if (i < count - 1) segmentFlags &= ~(TCP_FIN | TCP_PSH)
    out[tcp + 13] = segmentFlags
    if (version === 4) {
      writeBe16(out, at + 2, size)
      writeBe16(out, at + 4, (firstId + i) & 0xffff)
      writeBe16(out, at + 10, 0)
      writeBe16(out, at + 10, ~fold(sum16(out, at, at + ipHeaderBytes, 0)) & 0xffff)
    } else {
      writeBe16(out, at + 4, size - IPV6_HEADER_BYTES)
    }
    writeBe16(out, tcp + 16, 0)
    const pseudo = pseudoHeaderSum(out, at, version, size - tcpStart)
    writeBe16(out, tcp + 16, ~fold(sum16(out, tcp, at + size, pseudo)) & 0xffff)
    spans[2 * i] = at
    spans[2 * i + 1] = size
    at += size
  }
  return { bytes: out, spans, count }
}

/** The unfolded sum of the TCP pseudo-header of the packet at `packet[at]`. */
function pseudoHeaderSum (packet: Uint8Array, at: number, version: number, tcpLength: number): number {
  const addresses = version === 4 ? sum16(packet, at + 12, at + 20, 0) : sum16(packet, at + 8, at + 40, 0)
  return addresses + IPPROTO_TCP + (tcpLength >>> 16) + (tcpLength & 0xffff)
}

/** Adds the big-endian 16-bit words of `bytes[start, end)` to `initial` (an odd tail is padded with 0). */
function sum16 (bytes: Uint8Array, start: number, end: number, initial: number): number {
  let sum = initial
  let i = start
  for (; i + 1 < end; i += 2) sum += (bytes[i] << 8) | bytes[i + 1]
  if (i < end) sum += bytes[i] << 8
  return sum
}

/** Folds a sum of 16-bit words into 16 bits with end-around carry. */
function fold (sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000)
  return sum
}

function readBe16 (bytes: Uint8Array, offset: number): number {
  return (bytes[offset] << 8) | bytes[offset + 1]
}

function readBe32 (bytes: Uint8Array, offset: number): number {
  return ((bytes[offset] << 24) | (bytes[offset + 1] << 16) | (bytes[offset + 2] << 8) | bytes[offset + 3]) >>> 0
}

function writeBe16 (bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = (value >> 8) & 0xff
  bytes[offset + 1] = value & 0xff
}

function writeBe32 (bytes: Uint8Array, offset: number, value: number): void {
  writeBe16(bytes, offset, value >>> 16)
  writeBe16(bytes, offset + 2, value & 0xffff)
}
