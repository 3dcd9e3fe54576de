/**
 * IP address text as Go's `net.ParseIP` reads it and `net.IP.String()` writes it: the one parser
 * of the project, so a flag, a ledger value, a DHCP lease and a DNS record accept the same texts.
 * IPv4 is four decimal fields up to 255 without leading zeros (`010.1.0.1` is refused, as Go has
 * done since 1.17); IPv6 may end in a dotted quad and never carries a zone (`fe80::1%eth0`).
 * IPv4 addresses are unsigned 32-bit numbers, IPv6 addresses 16 bytes.
 */

const DECIMAL_OCTET = /^(?:0|[1-9]\d{0,2})$/
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/

/** An IPv4 dotted quad as an unsigned 32-bit number, or undefined when `text` is none. */
export function parseIPv4 (text: string): number | undefined {
  const parts = text.split('.')
  if (parts.length !== 4 || parts.some(part => !DECIMAL_OCTET.test(part) || Number(part) > 255)) return undefined
  return parts.reduce((address, part) => address * 256 + Number(part), 0)
}

/** The 16 bytes of an IPv6 address in any valid text form, or undefined when `text` is none. */
export function parseIPv6 (text: string): Uint8Array | undefined {
  const halves = text.split('::')
  if (halves.length > 2) return undefined
  const head = hexGroups(halves[0])
  const tail = halves.length === 2 ? hexGroups(halves[1]) : []
  if (head === undefined || tail === undefined) return undefined
  const missing = 8 - head.length - tail.length
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined
  const bytes = new Uint8Array(16)
  const groups = [...head, ...new Array<number>(missing).fill(0), ...tail]
  groups.forEach((group, i) => {
    bytes[2 * i] = group >> 8
    bytes[2 * i + 1] = group & 0xff
  })
  return bytes
}

/** 4 bytes for IPv4 text, 16 for IPv6 text, undefined when `text` is no IP address. */
export function parseIp (text: string): Uint8Array | undefined {
  if (text.includes(':')) return parseIPv6(text)
  const v4 = parseIPv4(text)
  return v4 === undefined ? undefined : ipv4Bytes(v4)
}

/** 4 or 6 for IPv4 or IPv6 text, undefined when `text` is no IP address. */
export function ipFamily (text: string): 4 | 6 | undefined {
  const bytes = parseIp(text)
  return bytes === undefined ? undefined : bytes.length === 4 ? 4 : 6
}

/** The 4 bytes of an IPv4 address given as an unsigned 32-bit number. */
export function ipv4Bytes (address: number): Uint8Array {
  return Uint8Array.of(address >>> 24, (address >>> 16) & 0xff, (address >>> 8) & 0xff, address & 0xff)
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
export function formatIPv6 (bytes: Uint8Array, offset = 0): string {
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

/** The Go text form of an IP address written in any valid form, or undefined when `text` is none. */
export function canonicalIpText (text: string): string | undefined {
  const v4 = parseIPv4(text)
  if (v4 !== undefined) return formatIPv4(v4)
  const v6 = parseIPv6(text)
  return v6 === undefined ? undefined : formatIPv6(v6)
}

/** The hex groups of one side of `::`; a trailing dotted quad counts as the last two groups. */
function hexGroups (half: string): number[] | undefined {
  if (half === '') return []
  const groups: number[] = []
  const parts = half.split(':')
  for (const [i, part] of parts.entries()) {
    if (i === parts.length - 1 && part.includes('.')) {
      const v4 = parseIPv4(part)
      if (v4 === undefined) return undefined
      groups.push(v4 >>> 16, v4 & 0xffff)
    } else {
      if (!HEX_GROUP.test(part)) return undefined
      groups.push(parseInt(part, 16))
    }
  }
  return groups
}

/** Whether the 16 bytes at `bytes[offset]` are an IPv4-mapped address (`::ffff:a.b.c.d`), Go's `To4` test. */
export function isIPv4Mapped (bytes: Uint8Array, offset = 0): boolean {
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
