/** The human-readable report of `edgevpn doctor`, and its JSON form for machines. */
import { otpWindows } from './clock-skew.js'
import { isMember } from './observation.js'
import type { Diagnosis } from './diagnose.js'
import type { BootstrapOutcome, DoctorObservation, PeerObservation } from './observation.js'
import type { NetworkConfig } from '@edgevpn/mesh-core'

const LABEL_WIDTH = 14

export function formatReport (observation: DoctorObservation, diagnosis: Diagnosis, network: NetworkConfig): string {
  const lines: string[] = []
  const row = (label: string, value: string): void => { lines.push(`${label.padEnd(LABEL_WIDTH)}${value}`) }
  const item = (label: string, value: string): void => { lines.push(`  ${label.padEnd(LABEL_WIDTH - 2)}${value}`) }

  lines.push(`edgevpn doctor: watched the network for ${(observation.durationMs / 1000).toFixed(1)} s with a temporary node ${observation.peerId}`, '')
  const windows = otpWindows(network).map(window => `${window.intervalS} s (${window.use})`)
  row('network', `token fingerprint ${observation.fingerprint}; OTP rotates every ${windows.length > 0 ? windows.join(', ') : 'never'}`)
  const own = `/p2p/${observation.peerId}`
  const withoutOwnId = (address: string): string => address.endsWith(own) ? address.slice(0, -own.length) : address
  row('addresses', listOrNone(observation.addresses.map(withoutOwnId)))
  row('observed as', listOrNone(observation.observedAddresses.map(withoutOwnId)))
  row('reachability', diagnosis.reachability.summary)
  row('relays', observation.relays.length === 0 ? 'no reservations' : `reservations on ${observation.relays.join(', ')}`)

  lines.push('discovery')
  const { mdns, dht } = observation
  item('mdns', mdns.enabled
    ? `on: ${mdns.responders.length === 0 ? 'no node on the LAN answered' : `answered by ${mdns.responders.join(', ')}`}`
    : 'off')
  if (!dht.enabled) {
    item('dht', 'off')
  } else {
    item('dht', `on: routing table ${dht.routingTableSize ?? '?'} peer(s), ${dht.bootstrap.length} bootstrap peer(s)`)
    for (const peer of dht.bootstrap) item('', `bootstrap ${peer.peer}: ${describeBootstrap(peer)}`)
    if (dht.searches.length === 0) item('', 'rendezvous: no search finished yet')
    for (const search of dht.searches) {
      const advertised = search.advertiseError === undefined ? 'advertised' : `advertising failed (${search.advertiseError})`
      const found = `${search.providers.length} other provider(s)${search.searchError === undefined ? '' : ` (search ended: ${search.searchError})`}`
      item('', `rendezvous: ${advertised}, ${found}`)
    }
  }

  const connected = observation.peers.filter(peer => peer.connected)
  row('peers', `${connected.length} connected, ${observation.peers.length - connected.length} seen but not connected`)
  for (const peer of observation.peers) item('', `${peer.id}: ${describePeer(peer)}`)
  row('tun', observation.tunUnavailable ?? '/dev/net/tun usable with CAP_NET_ADMIN')

  if (diagnosis.warnings.length > 0) {
    lines.push('warnings')
    for (const warning of diagnosis.warnings) lines.push(`  - ${warning}`)
  }
  lines.push('', `verdict: ${diagnosis.verdict}`)
  return lines.join('\n') + '\n'
}

/** The report as one JSON document: the observation plus the diagnosis. */
export function formatJsonReport (observation: DoctorObservation, diagnosis: Diagnosis): string {
  return JSON.stringify({ ...diagnosis, observation }, null, 2) + '\n'
}

function describeBootstrap (peer: BootstrapOutcome): string {
  if (peer.connected) return 'connected'
  if (!peer.dialed) return 'not dialed yet'
  return `unreachable (${peer.error ?? 'no answer'})`
}

function describePeer (peer: PeerObservation): string {
  const parts = [
    peer.connected ? `${peer.link} ${peer.remoteAddr?.replace(`/p2p/${peer.id}`, '') ?? ''}`.trim() : `not connected${peer.lastError === undefined ? '' : ` (${peer.lastError})`}`,
    `found via ${peer.discoveredVia}`
  ]
  if (peer.sameHost) parts.push('on this machine')
  if (peer.clock !== undefined) {
    parts.push(peer.clock.member ? 'member (token proof)' : 'different token')
    const sign = peer.clock.offsetMs >= 0 ? '+' : '-'
    parts.push(`clock ${sign}${(Math.abs(peer.clock.offsetMs) / 1000).toFixed(3)} s (rtt ${Math.round(peer.clock.rttMs)} ms)`)
  } else {
    if (isMember(peer)) parts.push('member (on the gossip topic)')
    if (peer.clockError !== undefined) parts.push(`no clock reading (${peer.clockError})`)
  }
  return parts.join(', ')
}

/** One value per line, aligned under the first. */
function listOrNone (values: string[]): string {
  return values.length === 0 ? 'none' : values.join('\n' + ' '.repeat(LABEL_WIDTH))
}
