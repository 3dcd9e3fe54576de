/**
 * How other nodes can reach ours, from the addresses libp2p advertises: it only advertises a
 * public address once AutoNAT confirmed it (or the user announced it), and a `/p2p-circuit`
 * address only while a relay holds a reservation for us.
 */
import { isLoopback, isPrivate } from '@libp2p/utils'
import { CODE_P2P_CIRCUIT, multiaddr } from '@multiformats/multiaddr'
import type { DoctorObservation } from './observation.js'

export interface Reachability {
  /**
   * `public`: dialable from the Internet; `nat`: peers see a public address that AutoNAT did not
   * confirm; `private`: LAN addresses only; `loopback`: this machine only.
   */
  level: 'public' | 'nat' | 'private' | 'loopback'
  /** Peer IDs of the relays through which nodes that cannot dial us still reach us. */
  relays: string[]
  summary: string
}

export function assessReachability (observation: Pick<DoctorObservation, 'addresses' | 'observedAddresses' | 'relays'>): Reachability {
  const { relays } = observation
  const addresses = observation.addresses.map(text => multiaddr(text))
    .filter(address => !address.getComponents().some(component => component.code === CODE_P2P_CIRCUIT))
  const publicAddresses = addresses.filter(address => !isPrivate(address))
  if (publicAddresses.length > 0) {
    return { level: 'public', relays, summary: `public: dialable at ${publicAddresses.join(', ')} (confirmed by AutoNAT or announced)` }
  }
  const throughRelays = relays.length > 0 ? `through ${relays.length} relay(s)` : 'through no relay'
  const observedPublic = observation.observedAddresses.filter(text => !isPrivate(multiaddr(text)))
  if (observedPublic.length > 0) {
    return {
      level: 'nat',
      relays,
      summary: `behind NAT: peers see us at ${observedPublic.join(', ')} but AutoNAT has not confirmed it dialable; ` +
        `nodes outside our networks reach us ${throughRelays} or by hole punching`
    }
  }
  if (addresses.some(address => !isLoopback(address))) {
    return { level: 'private', relays, summary: `private addresses only: reachable by nodes on the same networks, and ${throughRelays}` }
  }
  return { level: 'loopback', relays, summary: `loopback only: reachable from this machine, and ${throughRelays}` }
}
