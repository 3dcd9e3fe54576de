/**
 * Anti-spoofing for received packets: a member may only send packets whose IP source is an
 * address it owns, so that it cannot impersonate another member towards our TCP/UDP services.
 * Go edgevpn does not check this (spec §7.4); packets from Go peers pass because they carry
 * their own address.
 */
import { ipv4Source, IPV4_HEADER_BYTES, IPV6_HEADER_BYTES } from './ip-packet.js'
import { formatIPv4, formatIPv6 } from '@edgevpn/go-compat'
import type { MachineDirectory } from './machine-directory.js'

/** Where the source address lies in an IPv6 header. */
const IPV6_SOURCE_OFFSET = 8

export interface SourceGuardInit {
  /**
   * Go `--static-peertable` (see `parseStaticPeerTable`): when set, a peer owns exactly the
   * addresses the table maps to it and the machines bucket is not consulted.
   * @default undefined (the `PeerID` of each machines entry owns its key)
   */
  staticPeerTable?: ReadonlyMap<string, string>
  /**
   * Go `--router` (canonical text): the peer serving this address forwards traffic of other
   * networks to us, so packets from it may carry any source.
   * @default undefined
   */
  router?: string
  /**
   * Most source addresses whose owner is remembered before the cache starts over (a peer
   * sending from many forged addresses must not grow it without bound).
   * @default 4096
   */
  maxCachedSources?: number
}

export interface SourceGuard {
  /**
   * Whether `peerId` may send the IP packet at `packet[offset, offset + length)`: its source is
   * an address the peer owns, or the peer is the `--router`. A packet too short to hold its IP
   * header, or of another IP version, is refused.
   */
  allows(peerId: string, packet: Uint8Array, offset?: number, length?: number): boolean
  /** Stops following the machines bucket. */
  close(): void
}

/** Who owns an address, by Go's text form; undefined when nobody does. */
type OwnerLookup = (address: string) => string | undefined

/**
 * Creates the source-address check of the data plane. With ownership `enforce` the machines
 * entries are owned by the peer that wrote them, so a member cannot claim another member's
 * address; with ownership `off` any token holder can overwrite a machines entry and with it the
 * right to send from that address (see docs/security.md).
 */
export function createSourceGuard (components: { machines: MachineDirectory }, init: SourceGuardInit = {}): SourceGuard {
  const { machines } = components
  const table = init.staticPeerTable
  const ownerOf: OwnerLookup = table === undefined ? address => machines.peerOf(address) : address => table.get(address)
  const maxCached = init.maxCachedSources ?? 4096
  /** IPv4 source (32-bit) → owner, '' for nobody; cleared when the machines bucket changes. */
  const owners4 = new Map<number, string>()
  const stopWatching = table === undefined ? machines.onChange(() => { owners4.clear() }) : () => {}

  const ownerOfIPv4 = (source: number): string => {
    let owner = owners4.get(source)
    if (owner === undefined) {
      owner = ownerOf(formatIPv4(source)) ?? ''
      if (owners4.size >= maxCached) owners4.clear()
      owners4.set(source, owner)
    }
    return owner
  }

  return {
    allows (peerId, packet, offset = 0, length = packet.length - offset) {
      const version = length > 0 ? packet[offset] >> 4 : 0
      let owner: string | undefined
      if (version === 4 && length >= IPV4_HEADER_BYTES) owner = ownerOfIPv4(ipv4Source(packet, offset))
      else if (version === 6 && length >= IPV6_HEADER_BYTES) owner = ownerOf(formatIPv6(packet, offset + IPV6_SOURCE_OFFSET))
      else return false
      if (owner === peerId) return true
      return init.router !== undefined && ownerOf(init.router) === peerId
    },
    close: stopWatching
  }
}
