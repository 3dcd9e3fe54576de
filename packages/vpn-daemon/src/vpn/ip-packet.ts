/**
 * Reading the addresses and length of IP packets in place. The hot-path functions take a buffer,
 * an offset and a length so that no view object is made per packet; IPv4 addresses are unsigned
 * 32-bit numbers. Text forms follow Go's `net.IP.String()`, the form of the ledger's machine keys.
 */
import { isIPv6 } from 'node:net'

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

/** Dotted-quad text of an IPv4 address given as an unsigned 32-bit number. */
export function formatIPv4 (address: number): string {
  return `${address >>> 24}.${(address >>> 16) & 0xff}.${(address >>> 8) & 0xff}.${address & 0xff}`
}

/**
 * Go's `net.IP.String()` of the 16-byte address at `bytes[offset]`: an IPv4-mapped address
 * (`::ffff:a.b.c.d`) prints as a dotted quad; otherwise RFC 5952 text in lowercase, the first
 * longest run of two or more zero groups written as `::`.
 */
export function formatIPv6 (bytes: Uint8Array, offset: number): string {
  if (isIPv4Mapped(bytes, offset)) return formatIPv4(readUint32(bytes, offset + 12))
  let runStart = -1
  let runEnd = -1
  for (let group = 0; group < 8; group++) {
    let end = group
    while (end < 8 && readUint16(bytes, offset + 2 * end) === 0) end++
    if (end - group > runEnd - runStart) {
      runStart = group
      runEnd = end
    }
    group = Math.max(group, end)
  }
  if (runEnd - runStart < 2) runStart = runEnd = -1
  let text = ''
  for (let group = 0; group < 8; group++) {
    if (group === runStart) {
      text += '::'
      group = runEnd - 1
      continue
    }
    if (text !== '' && !text.endsWith(':')) text += ':'
    text += readUint16(bytes, offset + 2 * group).toString(16)
  }
  return text
}

/** The 16 bytes of an IPv6 address in any valid text form, or undefined when `text` is none. */
export function parseIPv6 (text: string): Uint8Array | undefined {
  if (!isIPv6(text) || text.includes('%')) return undefined
  let hexText = text
  const lastColon = text.lastIndexOf(':')
  const embedded = parseIPv4(text.slice(lastColon + 1))
  if (embedded !== undefined) {
    // a trailing dotted quad is the last two groups
    hexText = `${text.slice(0, lastColon + 1)}${(embedded >>> 16).toString(16)}:${(embedded & 0xffff).toString(16)}`
  }
  const [head, tail] = hexText.split('::').map(part => (part === '' ? [] : part.split(':').map(group => parseInt(group, 16))))
  const groups = tail === undefined ? head : [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail]
  const bytes = new Uint8Array(16)
  groups.forEach((group, i) => {
    bytes[2 * i] = group >> 8
    bytes[2 * i + 1] = group & 0xff
  })
  return bytes
}

/** An IPv4 dotted quad as an unsigned 32-bit number, or undefined when `text` is none. */
export function parseIPv4 (text: string): number | undefined {
  const parts = text.split('.')
  if (parts.length !== 4 || parts.some(part => !/^\d{1,3}$/.test(part) || Number(part) > 255)) return undefined
  return parts.reduce((address, part) => address * 256 + Number(part), 0)
}

/**
 * The Go text form of an IP address written in any valid form (`010.1.0.1` is not valid),
 * or undefined when `text` is no IP address.
 */
export function canonicalIpText (text: string): string | undefined {
  const v4 = parseIPv4(text)
  if (v4 !== undefined) return formatIPv4(v4)
  const v6 = parseIPv6(text)
  return v6 === undefined ? undefined : formatIPv6(v6, 0)
}

function isIPv4Mapped (bytes: Uint8Array, offset: number): boolean {
  for (let i = 0; i < 10; i++) {
    if (bytes[offset + i] !== 0) return false
  }
  return bytes[offset + 10] === 0xff && bytes[offset + 11] === 0xff
}

function readUint16 (bytes: Uint8Array, offset: number): number {
  return (bytes[offset] << 8) | bytes[offset + 1]
}

function readUint32 (bytes: Uint8Array, offset: number): number {
  return ((bytes[offset] << 24) | (bytes[offset + 1] << 16) | (bytes[offset + 2] << 8) | bytes[offset + 3]) >>> 0
}
