import { createLogger } from '../logger.js'
import { createConnectionBudget } from './connection-budget.js'
import { createDhtRendezvous } from './dht-rendezvous.js'
import { createMdnsDialer } from './mdns.js'
import { createStaticPeers } from './static-peers.js'
import type { ConnectionBudgetInit } from './connection-budget.js'
import type { DhtRendezvousInit } from './dht-rendezvous.js'
import type { DiscoveryObserver } from './dial.js'
import type { StaticPeersInit } from './static-peers.js'
import type { MeshHost } from '../host.js'
import type { Logger } from '../logger.js'
import type { NetworkConfig } from '../network-config.js'

export interface DiscoveryInit {
  network: NetworkConfig
  /** DHT rendezvous options, or `false` to turn it off (`--dht=false`). @default {} */
  dht?: false | Omit<DhtRendezvousInit, 'network' | 'observer' | 'logger'>
  /** Dial the peers the host's mDNS service finds. @default true when the host runs mDNS */
  mdns?: boolean
  /** Static peer multiaddrs (with `/p2p/`), kept connected. @default [] */
  staticPeers?: string[]
  /** Static peer redial options. @default {} */
  staticPeerOptions?: Omit<StaticPeersInit, 'peers' | 'observer' | 'logger'>
  /** How many connections mDNS and DHT discovery keep open (static peers are always dialled). @default {} */
  connections?: Omit<ConnectionBudgetInit, 'logger'>
  /** Told about discovered peers and failed dials, e.g. the peer table. */
  observer?: DiscoveryObserver
  /** @default an `edgevpn.discovery` logger on stderr */
  logger?: Logger
}

export interface Discovery {
  /** Stops every discovery mechanism and waits for in-flight work to be aborted. */
  stop(): Promise<void>
}

/**
 * Starts the discovery mechanisms chosen in `init` on a mesh host (mDNS first, then the DHT, like
 * Go edgevpn).
 *
 * @throws Error when `mdns` is `true` but the host runs no mDNS service
 * @throws InvalidHostOptionError when a static peer is malformed
 */
export function startDiscovery (host: MeshHost, init: DiscoveryInit): Discovery {
  const logger = init.logger ?? createLogger().child('discovery')
  const { observer } = init
  const budget = createConnectionBudget(host.libp2p, {
    ...init.connections,
    // a relay's client redials the moment its reservation's connection closes
    isServed: peer => host.libp2p.services.relay?.reservations.has(peer) === true,
    logger: logger.child('connections')
  })
  const parts: Array<{ start(): void, stop(): Promise<void> }> = [budget]

  const useMdns = init.mdns ?? host.libp2p.services.mdns != null
  if (useMdns) parts.push(createMdnsDialer(host, { observer, budget, logger: logger.child('mdns') }))
  if (init.dht !== false) {
    parts.push(createDhtRendezvous(host, { ...init.dht, network: init.network, observer, budget, logger: logger.child('dht') }))
  }
  if ((init.staticPeers ?? []).length > 0) {
    parts.push(createStaticPeers(host.libp2p, {
      ...init.staticPeerOptions, peers: init.staticPeers ?? [], observer, logger: logger.child('static')
    }))
  }

  for (const part of parts) part.start()
  return {
    stop: async () => { await Promise.all(parts.map(async part => { await part.stop() })) }
  }
}
