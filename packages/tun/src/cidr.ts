import { ipFamily } from '@edgevpn/go-compat'
import { TunError } from './tun-error.js'

/** An interface address with the length of its network prefix. */
export interface InterfaceAddress {
  address: string
  prefixLength: number
}

const FAMILIES = {
  4: { label: 'IPv4', maxPrefix: 32, example: '10.1.0.1/24' },
  6: { label: 'IPv6', maxPrefix: 128, example: 'fd00::1/64' }
} as const

/**
 * Parses `address/prefix` for the IP version `family`.
 *
 * @throws TunError `EINVALIDADDRESS` naming what is wrong
 */
export function parseCidr (cidr: string, family: 4 | 6): InterfaceAddress {
  const { label, maxPrefix, example } = FAMILIES[family]
  const slash = cidr.lastIndexOf('/')
  const address = cidr.slice(0, slash)
  const prefix = cidr.slice(slash + 1)
  if (slash < 0 || !/^\d{1,3}$/.test(prefix) || Number(prefix) > maxPrefix) {
    throw new TunError('EINVALIDADDRESS', `"${cidr}" is not an ${label} CIDR like ${example}: the prefix length must be 0 to ${maxPrefix}`)
  }
  // Go's rules: no leading zeros in IPv4, no zone index (fe80::1%eth0) in IPv6
  if (ipFamily(address) !== family) {
    throw new TunError('EINVALIDADDRESS', `"${cidr}" is not an ${label} CIDR like ${example}: "${address}" is not an ${label} address`)
  }
  return { address, prefixLength: Number(prefix) }
}
