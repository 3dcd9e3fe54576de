/**
 * Judges a {@link DoctorObservation}: whether the node found a usable member of its network and,
 * when it did not, the most likely reason, in the order a user should check them.
 */
import { assessSkew } from './clock-skew.js'
import { isMember } from './observation.js'
import { assessReachability } from './reachability.js'
import type { SkewAssessment } from './clock-skew.js'
import type { DoctorObservation, PeerObservation } from './observation.js'
import type { Reachability } from './reachability.js'
import type { NetworkConfig } from '@edgevpn/mesh-core'

export interface Diagnosis {
  /** A member of the network on another machine is connected and its clock is usable. */
  healthy: boolean
  /** One line: `ok: …`, or the most likely reason for having no usable peer. */
  verdict: string
  /** Problems that do not explain the verdict but will bite (skewed peers, no TUN, ...). */
  warnings: string[]
  reachability: Reachability
}

export function diagnose (observation: DoctorObservation, network: NetworkConfig): Diagnosis {
  const reachability = assessReachability(observation)
  const skewOf = (peer: PeerObservation): SkewAssessment | undefined =>
    peer.clock === undefined ? undefined : assessSkew(peer.clock.offsetMs, network)
  const members = observation.peers.filter(peer => peer.connected && isMember(peer))
  const usable = members.filter(peer => isUsableMember(peer, network))
  const split = members.filter(peer => !peer.sameHost && skewOf(peer)?.level === 'split')

  const warnings: string[] = []
  for (const peer of members) {
    const skew = skewOf(peer)
    if (peer.clock === undefined || skew?.window === undefined || skew.level === 'ok') continue
    // without a usable peer the verdict names the first split one
    if (skew.level === 'split' && usable.length === 0) continue
    const share = skew.level === 'split' ? 'all' : `${Math.round(skew.disagreement * 100)}%`
    warnings.push(`${describeSkew(peer.clock.offsetMs, peer.id)}: the ${skew.window.use} OTP values (every ${skew.window.intervalS} s) disagree ` +
      `${share} of the time; synchronise the clocks (NTP)`)
  }
  // without a usable peer the verdict already lists them
  const unreachable = observation.dht.bootstrap.filter(peer => !peer.connected && peer.error !== undefined)
  if (usable.length > 0 && unreachable.length > 0) warnings.push(`DHT bootstrap peers unreachable: ${unreachable.map(peer => `${peer.peer} (${peer.error ?? ''})`).join(', ')}`)
  if (observation.tunUnavailable !== undefined) warnings.push(`TUN: ${observation.tunUnavailable}: the VPN interface cannot be created by this user`)

  const verdict = usable.length > 0
    ? `ok: ${usable.length} mesh peer(s) connected (${usable.filter(peer => peer.link === 'direct').length} direct, ` +
      `${usable.filter(peer => peer.link === 'relayed').length} relayed)`
    : explainNoPeer(observation, network, { members, split, skewOf })
  return { healthy: usable.length > 0, verdict, warnings, reachability }
}

/** A connected member on another machine whose clock shares at least part of every OTP window with ours. */
export function isUsableMember (peer: PeerObservation, network: NetworkConfig): boolean {
  return peer.connected && isMember(peer) && !peer.sameHost &&
    (peer.clock === undefined || assessSkew(peer.clock.offsetMs, network).level !== 'split')
}

interface PeerGroups {
  members: PeerObservation[]
  split: PeerObservation[]
  skewOf: (peer: PeerObservation) => SkewAssessment | undefined
}

function explainNoPeer (observation: DoctorObservation, network: NetworkConfig, { members, split, skewOf }: PeerGroups): string {
  const skewed = split[0]
  if (skewed?.clock !== undefined) {
    const window = skewOf(skewed)?.window
    return `${describeSkew(skewed.clock.offsetMs, skewed.id)} exceeds the OTP interval ${window?.intervalS ?? '?'} s: ` +
      'the nodes derive different DHT rendezvous, gossip topics and seal keys; synchronise the clocks (NTP)'
  }
  if (members.length > 0) {
    return `only members on this machine answered (${members.map(peer => peer.id).join(', ')}, e.g. the local daemon): ` +
      `no other node of the network was found — ${describeSources(observation, network)}`
  }
  const strangers = observation.peers.filter(peer => peer.connected && peer.clock?.member === false)
  if (strangers.length > 0) {
    return `connected to ${strangers.length} edgevpn node(s) holding a different token (${strangers.map(peer => peer.id).join(', ')}): ` +
      `compare the token fingerprint ${observation.fingerprint} with theirs`
  }
  const failed = observation.peers.filter(peer => !peer.connected && peer.lastError !== undefined &&
    (peer.discoveredVia === 'mdns' || peer.discoveredVia === 'dht' || peer.discoveredVia === 'static'))
  if (failed.length > 0) {
    return `found ${failed.length} peer(s) but could not connect: ` +
      failed.map(peer => `${peer.id} via ${peer.discoveredVia}: ${peer.lastError ?? ''}`).join('; ')
  }
  const others = observation.peers.filter(peer => peer.connected)
  if (others.length > 0) {
    return `connected to ${others.length} peer(s), none of them a member of this network (DHT or relay nodes, or ` +
      `Go nodes not yet on the gossip topic) — ${describeSources(observation, network)}`
  }
  return `no peers: no discovery source found anyone — ${describeSources(observation, network)}`
}

/** What each discovery source did, for a verdict without members. */
function describeSources (observation: DoctorObservation, network: NetworkConfig): string {
  const { mdns, dht } = observation
  const parts: string[] = []
  if (!dht.enabled) {
    parts.push('DHT disabled')
  } else {
    const table = dht.routingTableSize === undefined ? '' : `, routing table ${dht.routingTableSize} peer(s)`
    if (dht.bootstrap.length === 0) parts.push(`DHT has no bootstrap peers (--discovery-bootstrap-peers)${table}`)
    else if (dht.bootstrap.every(peer => !peer.connected)) {
      parts.push(`DHT bootstrap peers unreachable (${dht.bootstrap.map(peer => `${peer.peer}: ${peer.error ?? 'no answer yet'}`).join('; ')})${table}`)
    }
    const providers = new Set(dht.searches.flatMap(search => search.providers))
    if (dht.searches.length === 0) parts.push(`no DHT rendezvous search finished within ${Math.round(observation.durationMs / 1000)} s`)
    else if (providers.size === 0) parts.push(`DHT rendezvous found no other provider${network.otp.dht.key === '' ? ' (static rendezvous)' : ''}`)
  }
  if (!mdns.enabled) parts.push('mDNS disabled')
  else if (mdns.responders.length === 0) parts.push('mDNS: no node on the LAN answered')
  else parts.push(`mDNS: ${mdns.responders.length} node(s) answered`)
  return parts.join(', ')
}

function describeSkew (offsetMs: number, peer: string): string {
  return `clock skew ${(Math.abs(offsetMs) / 1000).toFixed(1)} s with peer ${peer} (its clock is ${offsetMs > 0 ? 'ahead' : 'behind'})`
}
