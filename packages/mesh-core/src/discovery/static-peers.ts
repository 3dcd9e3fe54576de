import { parsePeerAddresses } from '../host.js'
import { createLogger } from '../logger.js'
import { ExponentialBackoff, sleep } from './backoff-ticker.js'
import { dialDiscovered } from './dial.js'
import type { DiscoveryObserver } from './dial.js'
import type { Logger } from '../logger.js'
import type { Libp2p, PeerId, PeerInfo } from '@libp2p/interface'

export interface StaticPeersInit {
  /** Multiaddrs ending in `/p2p/<peer id>`; several addresses of one peer are grouped. */
  peers: string[]
  /** Time limit of one dial in ms. @default 30_000 */
  dialTimeout?: number
  /** First wait before redialing after a failure or disconnect, in ms. @default 1_000 */
  initialRetryDelay?: number
  /** Longest wait between redials, in ms. @default 60_000 */
  maxRetryDelay?: number
  observer?: DiscoveryObserver
  /** @default an `edgevpn.discovery.static` logger on stderr */
  logger?: Logger
}

export interface StaticPeers {
  start(): void
  stop(): Promise<void>
}

/**
 * Keeps connections to a fixed list of peers: dials them at start and redials one whenever it
 * disconnects or a dial fails, with jittered exponential backoff (reset by a successful dial).
 *
 * @throws InvalidHostOptionError when an entry is not a multiaddr with a peer ID
 */
export function createStaticPeers (libp2p: Libp2p, init: StaticPeersInit): StaticPeers {
  const peers = parsePeerAddresses(init.peers, 'static peer')
  const log = init.logger ?? createLogger().child('discovery.static')
  const dialTimeout = init.dialTimeout ?? 30_000
  const wakers = new Map<string, () => void>()
  let controller: AbortController | undefined
  let loops: Array<Promise<void>> = []

  const onDisconnect = (event: CustomEvent<PeerId>): void => {
    wakers.get(event.detail.toString())?.()
  }

  /** Resolves when `peer` disconnects or discovery stops. */
  const disconnected = async (peer: PeerInfo, signal: AbortSignal): Promise<void> => {
    await new Promise<void>(resolve => {
      const wake = (): void => {
        wakers.delete(peer.id.toString())
        signal.removeEventListener('abort', wake)
        resolve()
      }
      wakers.set(peer.id.toString(), wake)
      signal.addEventListener('abort', wake, { once: true })
      // the connection may have dropped between the dial and now
      if (libp2p.getConnections(peer.id).length === 0) wake()
    })
  }

  const keepConnected = async (peer: PeerInfo, signal: AbortSignal): Promise<void> => {
    const backoff = new ExponentialBackoff({
      initialInterval: init.initialRetryDelay ?? 1_000,
      maxInterval: init.maxRetryDelay ?? 60_000
    })
    while (!signal.aborted) {
      if (libp2p.getConnections(peer.id).length === 0) {
        await dialDiscovered(libp2p, peer, { via: 'static', log, observer: init.observer, signal, timeout: dialTimeout })
      }
      if (libp2p.getConnections(peer.id).length > 0) {
        backoff.reset()
        await disconnected(peer, signal)
      }
      await sleep(backoff.next(), signal)
    }
  }

  return {
    start: () => {
      if (controller != null) return
      controller = new AbortController()
      libp2p.addEventListener('peer:disconnect', onDisconnect)
      const signal = controller.signal
      loops = peers.map(async peer => { await keepConnected(peer, signal) })
    },
    stop: async () => {
      controller?.abort()
      controller = undefined
      libp2p.removeEventListener('peer:disconnect', onDisconnect)
      await Promise.all(loops)
      loops = []
    }
  }
}
