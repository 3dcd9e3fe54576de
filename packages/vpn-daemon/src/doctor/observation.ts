/**
 * What `edgevpn doctor` saw during its run: raw facts, judged later by `diagnose`. It holds no
 * value derived from the token other than its fingerprint, so a report is safe to share.
 */
import type { ClockSample } from '../node/time-protocol.js'
import type { DiscoverySource, PeerLink, RendezvousSearch } from '@edgevpn/mesh-core'

export interface DoctorObservation {
  /** How long the node ran, in ms. */
  durationMs: number
  /** `networkFingerprint` of the token. */
  fingerprint: string
  /** The throwaway node's peer ID. */
  peerId: string
  /** The addresses the node advertises (listen addresses and verified external ones). */
  addresses: string[]
  /** Our addresses as connected peers reported seeing them (identify). */
  observedAddresses: string[]
  /** Peer IDs of the relays holding a reservation for us. */
  relays: string[]
  mdns: MdnsObservation
  dht: DhtObservation
  peers: PeerObservation[]
  /** Why this process could not open a TUN device, or `undefined` when it could. */
  tunUnavailable?: string
}

export interface MdnsObservation {
  enabled: boolean
  /** Peers that answered our queries (only nodes with the token's mDNS name do). */
  responders: string[]
}

export interface DhtObservation {
  enabled: boolean
  /** Peers in the Kademlia routing table at the end. */
  routingTableSize?: number
  bootstrap: BootstrapOutcome[]
  /** Rendezvous searches that completed during the run (without the rendezvous, a token secret). */
  searches: Array<Omit<RendezvousSearch, 'rendezvous'>>
}

export interface BootstrapOutcome {
  peer: string
  addresses: string[]
  connected: boolean
  /** The last dial error; absent when connected or not dialed yet. */
  error?: string
  /** Whether discovery dialed it during the run. */
  dialed: boolean
}

export interface PeerObservation {
  id: string
  discoveredVia: DiscoverySource
  connected: boolean
  link: PeerLink
  remoteAddr?: string
  lastError?: string
  /** The peer runs on this machine (its address is one of ours), e.g. the local daemon. */
  sameHost: boolean
  /** Subscribed to the network's current ledger topic, which only token holders derive. */
  onLedgerTopic: boolean
  clock?: ClockSample
  /** Why its clock could not be read (no time protocol: Go edgevpn or not an edgevpn node). */
  clockError?: string
}

/** A peer proved it holds our token: through the time protocol, or by sharing the ledger topic. */
export function isMember (peer: PeerObservation): boolean {
  return peer.clock?.member === true || peer.onLedgerTopic
}
