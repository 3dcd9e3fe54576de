import type { Logger } from '../logger.js'
import type { Libp2p, PeerId, PeerInfo } from '@libp2p/interface'

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
}

/**
 * Connects to a discovered peer unless it is ourselves or already connected. The addresses are
 * merged into the peer store first so that libp2p dials by peer ID and can use every known
 * address, including ones learned later (e.g. through identify).
 *
 * @returns whether a new connection was opened
 */
export async function dialDiscovered (libp2p: Libp2p, peer: PeerInfo, options: DialDiscoveredOptions): Promise<boolean> {
  if (peer.id.equals(libp2p.peerId) || libp2p.getConnections(peer.id).length > 0) return false
  options.observer?.discovered(peer.id, options.via)
  try {
    if (peer.multiaddrs.length > 0) await libp2p.peerStore.merge(peer.id, { multiaddrs: peer.multiaddrs })
    await libp2p.dial(peer.id, { signal: AbortSignal.any([options.signal, AbortSignal.timeout(options.timeout)]) })
    return true
  } catch (err) {
    if (options.signal.aborted) return false
    const error = err instanceof Error ? err : new Error(String(err))
    options.observer?.dialFailed(peer.id, error)
    options.log.debug('dial failed', { peer: peer.id.toString(), via: options.via, error: error.message })
    return false
  }
}
