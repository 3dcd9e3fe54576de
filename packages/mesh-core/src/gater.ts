import { BlockList } from 'node:net'
import { ipFamily } from '@edgevpn/go-compat'
import { peerIdFromString } from '@libp2p/peer-id'
import { CODE_IP4, CODE_IP6, CODE_P2P } from '@multiformats/multiaddr'
import type { ConnectionGater, MultiaddrConnection, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/** A blacklist entry is neither a CIDR, an IP address nor a peer ID. */
export class InvalidBlacklistEntryError extends Error {
  override name = 'InvalidBlacklistEntryError'
}

export interface BlacklistGaterInit {
  /**
   * Entries of Go edgevpn's `--blacklist`: CIDRs (`10.1.0.0/24`, `fd00::/64`) or bare IP
   * addresses block connections to and from those addresses; peer IDs block those peers (Go
   * casts the text to a peer ID and so never matches a real peer; this gater does).
   *
   * @default []
   */
  blacklist?: string[]
}

/** A libp2p connection gater that refuses blacklisted subnets and peers (every hook implemented). */
export interface BlacklistGater extends Required<ConnectionGater> {
  /**
   * Blocks a subnet at runtime. The VPN blocks its own interface subnet so that libp2p never
   * dials a peer through the tunnel it carries.
   *
   * @throws InvalidBlacklistEntryError when `cidr` is not a CIDR or IP address
   */
  blockSubnet(cidr: string): void
  blockPeer(peer: PeerId): void
  /** True when any IP address in `address` (including a relay's) is in a blocked subnet. */
  isBlockedAddress(address: Multiaddr): boolean
  isBlockedPeer(peer: PeerId): boolean
}

/**
 * Creates the connection gater for `--blacklist`.
 *
 * @throws InvalidBlacklistEntryError naming the first entry that is neither a subnet nor a peer ID
 */
export function createBlacklistGater (init: BlacklistGaterInit = {}): BlacklistGater {
  const subnets = new BlockList()
  const peers = new Set<string>()

  const blockSubnet = (cidr: string): void => {
    const subnet = parseSubnet(cidr)
    if (subnet == null) throw new InvalidBlacklistEntryError(`blacklist entry "${cidr}" is not a CIDR or IP address`)
    subnets.addSubnet(subnet.address, subnet.prefix, subnet.family)
  }
  const blockPeer = (peer: PeerId): void => { peers.add(peer.toString()) }
  const isBlockedPeer = (peer: PeerId): boolean => peers.has(peer.toString())

  const isBlockedAddress = (address: Multiaddr): boolean => address.getComponents().some(component => {
    if (component.value == null) return false
    if (component.code === CODE_IP4) return subnets.check(component.value, 'ipv4')
    if (component.code === CODE_IP6) return isBlockedIp6(subnets, component.value)
    // a relayed address names the target and relay peers: a blocked one blocks the address
    if (component.code === CODE_P2P) return peers.has(component.value)
    return false
  })

  const isBlockedConnection = (connection: MultiaddrConnection): boolean => isBlockedAddress(connection.remoteAddr)
  const isBlockedPeerConnection = (peer: PeerId, connection: MultiaddrConnection): boolean =>
    isBlockedPeer(peer) || isBlockedConnection(connection)

  for (const entry of init.blacklist ?? []) {
    const peer = parseSubnet(entry) == null ? parsePeerId(entry) : undefined
    if (peer == null) blockSubnet(entry)
    else blockPeer(peer)
  }

  // libp2p calls some gater methods detached from the object, so every method is a closure
  return {
    blockSubnet,
    blockPeer,
    isBlockedAddress,
    isBlockedPeer,
    denyDialPeer: isBlockedPeer,
    denyDialMultiaddr: isBlockedAddress,
    denyInboundConnection: isBlockedConnection,
    denyOutboundConnection: isBlockedPeerConnection,
    denyInboundEncryptedConnection: isBlockedPeerConnection,
    denyOutboundEncryptedConnection: isBlockedPeerConnection,
    denyInboundUpgradedConnection: isBlockedPeerConnection,
    denyOutboundUpgradedConnection: isBlockedPeerConnection,
    denyInboundRelayReservation: isBlockedPeer,
    denyInboundRelayedConnection: (relay, remotePeer) => isBlockedPeer(relay) || isBlockedPeer(remotePeer),
    denyOutboundRelayedConnection: (source, destination) => isBlockedPeer(source) || isBlockedPeer(destination),
    // keep blocked addresses out of the peer store so they are never even tried
    filterMultiaddrForPeer: (peer, address) => !isBlockedPeer(peer) && !isBlockedAddress(address)
  }
}

interface Subnet {
  address: string
  prefix: number
  family: 'ipv4' | 'ipv6'
}

/** Parses `address/prefix`, or a bare address as a single-host subnet. */
function parseSubnet (text: string): Subnet | undefined {
  const slash = text.indexOf('/')
  const address = slash === -1 ? text : text.slice(0, slash)
  const version = ipFamily(address)
  if (version === undefined) return undefined
  const bits = version === 4 ? 32 : 128
  const prefixText = slash === -1 ? String(bits) : text.slice(slash + 1)
  if (!/^\d{1,3}$/.test(prefixText)) return undefined
  const prefix = Number(prefixText)
  if (prefix > bits) return undefined
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' }
}

function parsePeerId (text: string): PeerId | undefined {
  try {
    return peerIdFromString(text)
  } catch {
    return undefined
  }
}

const IPV4_MAPPED = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i

/** IPv4-mapped IPv6 addresses are checked against the IPv4 subnets too. */
function isBlockedIp6 (subnets: BlockList, address: string): boolean {
  const mapped = IPV4_MAPPED.exec(address)
  if (mapped?.[1] != null && subnets.check(mapped[1], 'ipv4')) return true
  return subnets.check(address, 'ipv6')
}
