/**
 * Small predicates on multiaddrs shared by the host and discovery.
 */
import type { Multiaddr } from '@multiformats/multiaddr'

/** The IPv6 host of `address`, lower case, or undefined when it has none. */
export function ip6Of (address: Multiaddr): string | undefined {
  return address.getComponents().find(c => c.name === 'ip6')?.value?.toLowerCase()
}

/**
 * Whether `address` is on an IPv6 link-local address (fe80::/10). A multiaddr carries no zone, so
 * no other host can dial it; announcing it only sends dialers into failures (go-libp2p leaves it out too).
 */
export function isIp6LinkLocal (address: Multiaddr): boolean {
  return /^fe[89ab]/.test(ip6Of(address) ?? '')
}
