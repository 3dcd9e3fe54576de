import { peerIdFromString } from '@libp2p/peer-id'
import { canonicalIpText } from './ip-packet.js'
import { VpnConfigError } from './vpn-config-error.js'

/**
 * Parses Go's `--static-peertable` entries, `ip:peerid`, into VPN IP → peer ID. Like Go, an entry
 * must split on `:` into exactly two parts (so IPv6 addresses cannot be used) and the peer ID must
 * decode. Go matches destinations by exact text, so an address it would never match (`10.1.0.01`)
 * is an error here instead of a silently dead entry.
 *
 * @throws VpnConfigError naming the first bad entry
 */
export function parseStaticPeerTable (entries: readonly string[]): ReadonlyMap<string, string> {
  const table = new Map<string, string>()
  for (const entry of entries) {
    const parts = entry.split(':')
    if (parts.length !== 2) throw new VpnConfigError(`static peer table entry ${JSON.stringify(entry)} is not ip:peerid`)
    const [ip, peer] = parts
    const canonical = canonicalIpText(ip)
    if (canonical === undefined) throw new VpnConfigError(`static peer table entry ${JSON.stringify(entry)}: "${ip}" is not an IP address`)
    if (canonical !== ip) throw new VpnConfigError(`static peer table entry ${JSON.stringify(entry)}: write the address as "${canonical}"`)
    try {
      peerIdFromString(peer)
    } catch {
      throw new VpnConfigError(`static peer table entry ${JSON.stringify(entry)}: "${peer}" is not a peer ID`)
    }
    table.set(ip, peer)
  }
  return table
}
