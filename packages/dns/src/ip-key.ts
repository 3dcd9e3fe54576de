/** Reverse-lookup keys of IP addresses parsed by `@edgevpn/go-compat`. */
import { isIPv4Mapped } from '@edgevpn/go-compat'

/** A comparable key: IPv4-mapped IPv6 addresses become their IPv4 form, as Go's `To4`. */
export function ipKey (bytes: Uint8Array): string {
  const v4 = bytes.length === 16 && isIPv4Mapped(bytes) ? bytes.subarray(12) : bytes
  return Buffer.from(v4).toString('hex')
}
