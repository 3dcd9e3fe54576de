/**
 * Go edgevpn's `utils.NextIP` (pkg/utils/ip.go on iplib v1.0.8), reproduced exactly (spec errata
 * D2) so that a TypeScript node acting as DHCP leader picks the address a Go leader would.
 */

import { formatIPv6, isIPv4Mapped, parseIPv4, parseIPv6 } from '@edgevpn/go-compat'

/**
 * The address after the highest of `used`, or `base` when `used` is empty. Go's quirks are kept:
 * - entries are parsed like Go `net.ParseIP` (`010.1.0.4` is invalid) and invalid ones ignored;
 * - ordering is numeric over the 16-byte form, so any IPv6 address with a nonzero first byte sorts
 *   above every IPv4 address, and `10.1.0.10` above `10.1.0.9`;
 * - the increment carries over 4 bytes for IPv4 and 16 for IPv6, with no subnet bound and no
 *   skipping of `.0`/`.255` (`nextIp('10.1.1.0', ['1.1.0.1'])` is `'1.1.0.2'`);
 * - at the top of the range the highest address comes back unchanged;
 * - when no entry parses, the result is Go's `"<nil>"`.
 *
 * Callers must check the result before using it: it can be outside the subnet, taken, or no IPv4
 * address at all.
 */
export function nextIp (base: string, used: readonly string[]): string {
  if (used.length === 0) return base
  let highest: Uint8Array | undefined
  for (const text of used) {
    const bytes = parseGoIp(text)
    if (bytes !== undefined && (highest === undefined || compareBytes(bytes, highest) > 0)) highest = bytes
  }
  if (highest === undefined) return '<nil>'
  return formatIPv6(increment(highest), 0)
}

/** The 16-byte form Go's `net.ParseIP` gives (IPv4 as `::ffff:a.b.c.d`), or undefined. */
function parseGoIp (text: string): Uint8Array | undefined {
  const v4 = parseIPv4(text)
  if (v4 === undefined) return parseIPv6(text)
  const bytes = new Uint8Array(16)
  bytes[10] = bytes[11] = 0xff
  new DataView(bytes.buffer).setUint32(12, v4)
  return bytes
}

/** iplib `NextIP`: +1 with carry over the address's own width; all-ones stays as it is. */
function increment (address: Uint8Array): Uint8Array {
  const width = isIPv4Mapped(address) ? 4 : 16
  const next = Uint8Array.from(address)
  for (let i = 15; i >= 16 - width; i--) {
    if (next[i] < 0xff) {
      next[i]++
      return next
    }
    next[i] = 0
  }
  return address
}

function compareBytes (a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) return a[i] - b[i]
  }
  return 0
}
