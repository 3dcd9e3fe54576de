/** Reverse-lookup keys of IP addresses parsed by `@edgevpn/go-compat`. */

const V4_MAPPED_PREFIX = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]

/** A comparable key: IPv4-mapped IPv6 addresses become their IPv4 form, as Go's `To4`. */
export function ipKey (bytes: Uint8Array): string {
  const v4 = bytes.length === 16 && V4_MAPPED_PREFIX.every((b, i) => bytes[i] === b) ? bytes.subarray(12) : bytes
  return Buffer.from(v4).toString('hex')
}
