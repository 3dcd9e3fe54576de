import { sleep } from './backoff-ticker.js'
import { DISCOVERED_TAG, KEPT_TAG } from './connection-budget.js'
import type { ConnectionBudget } from './connection-budget.js'
import type { Logger } from '../logger.js'
import type { Libp2p, PeerId, PeerInfo } from '@libp2p/interface'

/** How long the greater of two peer IDs waits before it dials a peer both found. */
const SIMULTANEOUS_DIAL_DEFER_MS = 3_000

/** How a peer came to our attention. */
export type DiscoverySource = 'dht' | 'mdns' | 'static' | 'bootstrap' | 'inbound' | 'outbound'

/** What discovery code reports about peers (implemented by the peer table). */
export interface DiscoveryObserver {
  discovered(peer: PeerId, via: DiscoverySource): void
  dialFailed(peer: PeerId, error: Error): void
}

export interface DialDiscoveredOptions {
  via: DiscoverySource
  log: Logger
  observer?: DiscoveryObserver
  /** Aborts the dial (discovery stopping). */
  signal: AbortSignal
  /** Per-dial time limit in ms. */
  timeout: number
  /** Without it the peer is always dialled; with it only while the budget wants more connections. */
  budget?: ConnectionBudget
}

/**
 * Connects to a discovered peer unless it is ourselves, already connected or beyond the
 * connection budget. The addresses are merged into the peer store first (tagged as discovered)
 * so that libp2p dials by peer ID and can use every known address, including ones learned later
 * (e.g. through identify), and so that traffic for the peer can dial it later.
 *
 * @returns whether a new connection was opened
 */
export async function dialDiscovered (libp2p: Libp2p, peer: PeerInfo, options: DialDiscoveredOptions): Promise<boolean> {
  if (peer.id.equals(libp2p.peerId) || libp2p.getConnections(peer.id).length > 0) return false
  options.observer?.discovered(peer.id, options.via)
  try {
    // static and bootstrap peers are kept connected: the budget never trims them
    const keep = options.budget === undefined ? { [KEPT_TAG]: { value: 0 } } : {}
    await libp2p.peerStore.merge(peer.id, { multiaddrs: peer.multiaddrs, tags: { [DISCOVERED_TAG]: { value: 0 }, ...keep } })
    // two nodes that find each other at once (an mDNS answer both hear) would open two
    // connections, each with its own upkeep: the one with the greater peer ID waits for the other.
    // Other sources find a peer in rounds of their own, where the wait would only delay.
    if (options.via === 'mdns' && options.budget !== undefined && libp2p.peerId.toString() > peer.id.toString()) {
      await sleep(SIMULTANEOUS_DIAL_DEFER_MS, options.signal)
      if (libp2p.getConnections(peer.id).length > 0) return false
    }
    const release = options.budget === undefined ? () => {} : options.budget.claimDial()
    if (release === undefined) return false
    try {
      await libp2p.dial(peer.id, { signal: AbortSignal.any([options.signal, AbortSignal.timeout(options.timeout)]) })
    } finally {
      release()
    }
    return true
  } catch (err) {
    if (options.signal.aborted) return false
    const error = err instanceof Error ? err : new Error(String(err))
    options.observer?.dialFailed(peer.id, error)
    options.log.debug('dial failed', { peer: peer.id.toString(), via: options.via, error: error.message })
    return false
  }
}
