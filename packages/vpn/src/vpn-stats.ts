/** Traffic and drop counters of the data plane, read by the HTTP API. */

/** Why a packet was not delivered. */
export type DropReason =
  /** read from the TUN device but not a well-formed IPv4/IPv6 packet */
  | 'malformed'
  /** no static peer table entry, or no machines entry, for the destination */
  | 'no-route'
  /** the machines entry's owner has no fresh heartbeat (ownership on) */
  | 'owner-offline'
  /** the machines entry names a peer ID that does not decode */
  | 'invalid-peer-id'
  /** the destination belongs to this node's own peer */
  | 'local-peer'
  /** the peer's send queue (framed) or in-flight streams (Go protocol) are full */
  | 'queue-full'
  /** bulk packets that waited in the send queue too long for too long (CoDel) */
  | 'queue-delay'
  /** no stream could be opened to the peer (recently) */
  | 'peer-unreachable'
  /** the stream failed while the packet was queued or being sent */
  | 'send-failed'
  /** received from a peer but not a well-formed IP packet */
  | 'inbound-malformed'
  /** the TUN device's queue towards the kernel was full */
  | 'tun-full'
  /** received from a member but its source address is not one that member owns */
  | 'spoofed-source'

export const DROP_REASONS: readonly DropReason[] = [
  'malformed', 'no-route', 'owner-offline', 'invalid-peer-id', 'local-peer', 'queue-full', 'queue-delay',
  'peer-unreachable', 'send-failed', 'inbound-malformed', 'tun-full', 'spoofed-source'
]

export interface TrafficCounters {
  /** IP packets and bytes sent to peers. */
  packetsOut: number
  bytesOut: number
  /** IP packets and bytes received from peers and written to the TUN device. */
  packetsIn: number
  bytesIn: number
}

export interface PeerTraffic extends TrafficCounters {
  /** The protocol last used to send to the peer, if any. */
  protocol?: string
}

/** A snapshot of {@link VpnCounters}, plain JSON. */
export interface VpnStats {
  totals: TrafficCounters
  /** By base58 peer ID. */
  peers: Record<string, PeerTraffic>
  drops: Record<DropReason, number>
  /** Inbound streams reset because the remote peer is not a member (inbound gating). */
  refusedStreams: number
  /** Fast-channel sockets closed for a missing or invalid hello, or for breaking the record format. */
  rejectedFastSockets: number
}

function zeroTraffic (): TrafficCounters {
  return { packetsOut: 0, bytesOut: 0, packetsIn: 0, bytesIn: 0 }
}

/** The live counters; the data plane updates them in place. */
export class VpnCounters {
  readonly totals: TrafficCounters = zeroTraffic()
  readonly drops = Object.fromEntries(DROP_REASONS.map(reason => [reason, 0])) as Record<DropReason, number>
  refusedStreams = 0
  rejectedFastSockets = 0
  readonly #peers = new Map<string, PeerTraffic>()
  readonly #collectors = new Set<() => void>()

  /** The counters of one peer, created on first use. */
  peer (peerId: string): PeerTraffic {
    let traffic = this.#peers.get(peerId)
    if (traffic === undefined) {
      traffic = zeroTraffic()
      this.#peers.set(peerId, traffic)
    }
    return traffic
  }

  sent (peer: PeerTraffic, packets: number, bytes: number): void {
    peer.packetsOut += packets
    peer.bytesOut += bytes
    this.totals.packetsOut += packets
    this.totals.bytesOut += bytes
  }

  received (peer: PeerTraffic, packets: number, bytes: number): void {
    peer.packetsIn += packets
    peer.bytesIn += bytes
    this.totals.packetsIn += packets
    this.totals.bytesIn += bytes
  }

  drop (reason: DropReason, packets: number = 1): void {
    this.drops[reason] += packets
  }

  /**
   * Registers a function that brings the counters up to date before every snapshot (for counts
   * kept elsewhere, like the native fast path's); returns the unregister function.
   */
  addCollector (collect: () => void): () => void {
    this.#collectors.add(collect)
    return () => { this.#collectors.delete(collect) }
  }

  /** Brings the counters kept elsewhere up to date. */
  collect (): void {
    for (const collect of this.#collectors) collect()
  }

  snapshot (): VpnStats {
    this.collect()
    return {
      totals: { ...this.totals },
      peers: Object.fromEntries([...this.#peers].map(([id, traffic]) => [id, { ...traffic }])),
      drops: { ...this.drops },
      refusedStreams: this.refusedStreams,
      rejectedFastSockets: this.rejectedFastSockets
    }
  }
}
