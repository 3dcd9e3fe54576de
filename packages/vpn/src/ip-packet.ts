/**
 * Reading the addresses and length of IP packets in place. The hot-path functions take a buffer,
 * an offset and a length so that no view object is made per packet; IPv4 addresses are unsigned
 * 32-bit numbers. Text forms (`@edgevpn/go-compat`) follow Go's `net.IP.String()`, the form of the
 * ledger's machine keys.
 */
import { formatIPv6 } from '@edgevpn/go-compat'

/** Why a packet cannot be routed or delivered. */
export type PacketProblem = 'unknown-version' | 'truncated' | 'bad-length'

export const IPV4_HEADER_BYTES = 20
export const IPV6_HEADER_BYTES = 40
const IPV4_DESTINATION = 16
const IPV4_SOURCE = 12
const IPV6_SOURCE = 8
const IPV6_DESTINATION = 24

/**
 * The IP version of the packet at `bytes[offset, offset + length)` (4 or 6) after checking that its
 * header is complete and that the length it declares fits, or the problem. Never throws.
 */
export function checkIpPacket (bytes: Uint8Array, offset: number, length: number): 4 | 6 | PacketProblem {
  if (length < 1) return 'truncated'
  const version = bytes[offset] >> 4
  if (version === 4) {
    if (length < IPV4_HEADER_BYTES) return 'truncated'
    const headerBytes = (bytes[offset] & 0x0f) * 4
    const totalLength = readUint16(bytes, offset + 2)
    if (headerBytes < IPV4_HEADER_BYTES || totalLength < headerBytes) return 'bad-length'
    return totalLength > length ? 'truncated' : 4
  }
  if (version === 6) {
    if (length < IPV6_HEADER_BYTES) return 'truncated'
    // payload length 0 with more bytes would be a jumbogram, which no TUN MTU allows
    return IPV6_HEADER_BYTES + readUint16(bytes, offset + 4) > length ? 'truncated' : 6
  }
  return 'unknown-version'
}

/**
 * The length the IP packet starting at `bytes[offset]` declares in its header, given that
 * `available` bytes are present: 0 when more bytes are needed to know it, -1 when the bytes are no
 * IP header (unknown version or a length shorter than the header). Used to split streams that
 * carry packets back to back.
 */
export function declaredIpLength (bytes: Uint8Array, offset: number, available: number): number {
  if (available < 1) return 0
  const version = bytes[offset] >> 4
  if (version === 4) {
    if (available < 4) return 0
    const totalLength = readUint16(bytes, offset + 2)
    return totalLength < IPV4_HEADER_BYTES ? -1 : totalLength
  }
  if (version === 6) {
    if (available < 6) return 0
    return IPV6_HEADER_BYTES + readUint16(bytes, offset + 4)
  }
  return -1
}

/** The destination of the checked IPv4 packet at `offset`, as an unsigned 32-bit number. */
export function ipv4Destination (bytes: Uint8Array, offset: number): number {
  return readUint32(bytes, offset + IPV4_DESTINATION)
}

/** The source of the checked IPv4 packet at `offset`, as an unsigned 32-bit number. */
export function ipv4Source (bytes: Uint8Array, offset: number): number {
  return readUint32(bytes, offset + IPV4_SOURCE)
}

/** The destination of the checked IPv6 packet at `offset` in Go's text form. */
export function ipv6DestinationText (bytes: Uint8Array, offset: number): string {
  return formatIPv6(bytes, offset + IPV6_DESTINATION)
}

/** Whether the source of the checked IPv6 packet at `offset` is `address` (16 bytes). */
export function ipv6SourceEquals (bytes: Uint8Array, offset: number, address: Uint8Array): boolean {
  const start = offset + IPV6_SOURCE
  for (let i = 0; i < 16; i++) {
    if (bytes[start + i] !== address[i]) return false
  }
  return true
}

function readUint16 (bytes: Uint8Array, offset: number): number {
  return (bytes[offset] << 8) | bytes[offset + 1]
}

function readUint32 (bytes: Uint8Array, offset: number): number {
  return ((bytes[offset] << 24) | (bytes[offset + 1] << 16) | (bytes[offset + 2] << 8) | bytes[offset + 3]) >>> 0
}
