import { peerIdFromString } from '@libp2p/peer-id'
import { parseIPv4 } from '@edgevpn/go-compat'
import { VpnConfigError } from './vpn-config-error.js'

/**
 * Parses Go's `--static-peertable` entries, `ip:peerid`, into VPN IP → peer ID. Like Go, an entry
 * must split on `:` into exactly two parts (so IPv6 addresses cannot be used) and the peer ID must
 * decode. The address must be one Go reads (`10.1.0.01` is not: leading zeros), so no entry is
 * silently dead.
 *
 * @throws VpnConfigError naming the first bad entry
 */
export function parseStaticPeerTable (entries: readonly string[]): ReadonlyMap<string, string> {
  const table = new Map<string, string>()
  for (const entry of entries) {
    const parts = entry.split(':')
    if (parts.length !== 2) throw new VpnConfigError(`static peer table entry ${JSON.stringify(entry)} is not ip:peerid`)
    const [ip, peer] = parts
    if (parseIPv4(ip) === undefined) throw new VpnConfigError(`static peer table entry ${JSON.stringify(entry)}: "${ip}" is not an IPv4 address`)
    try {
      peerIdFromString(peer)
    } catch {
      throw new VpnConfigError(`static peer table entry ${JSON.stringify(entry)}: "${peer}" is not a peer ID`)
    }
    table.set(ip, peer)
  }
  return table
}
