/**
 * An edgevpn node without the VPN: the libp2p host, discovery and the peer table, and the parts
 * later layers add on top (ledger, services). Go edgevpn's `pkg/node`.
 */
import { createMeshHost, createPeerTable, startDiscovery } from '@edgevpn/mesh-core'
import type { Discovery, DiscoveryInit, Logger, MeshHost, MeshHostInit, NetworkConfig, PeerState, PeerTable } from '@edgevpn/mesh-core'

export interface EdgeNodeInit {
  network: NetworkConfig
  host: MeshHostInit
  discovery: Omit<DiscoveryInit, 'network' | 'observer' | 'logger'>
  logger: Logger
}

export interface EdgeNode {
  readonly network: NetworkConfig
  readonly host: MeshHost
  readonly peers: PeerTable
  stop: () => Promise<void>
}

export async function startEdgeNode (init: EdgeNodeInit): Promise<EdgeNode> {
  const { logger } = init
  const host = await createMeshHost({ ...init.host, maxMessageSize: init.network.maxMessageSize })
  const peers = createPeerTable(host.libp2p)
  const logPeer = createPeerLogger(logger.child('peers'))
  peers.addEventListener('peer:update', event => { logPeer(event.detail) })
  peers.start()

  let discovery: Discovery
  try {
    discovery = startDiscovery(host, { ...init.discovery, network: init.network, observer: peers, logger: logger.child('discovery') })
  } catch (err) {
    peers.stop()
    await host.stop()
    throw err
  }
  logger.info('node started', { peerId: host.peerId.toString(), addresses: host.libp2p.getMultiaddrs().map(String) })

  return {
    network: init.network,
    host,
    peers,
    stop: async () => {
      await discovery.stop()
      peers.stop()
      await host.stop()
    }
  }
}

/**
 * Logs a peer when it connects, changes between direct and relayed, or disconnects; the peer
 * table also emits latency and discovery updates, which would flood the info level.
 */
function createPeerLogger (logger: Logger): (peer: PeerState) => void {
  const links = new Map<string, string>()
  return peer => {
    const previous = links.get(peer.id)
    if (peer.connected && previous !== peer.link) {
      links.set(peer.id, peer.link)
      logger.info(`peer connected (${peer.link})`, { peer: peer.id, via: peer.discoveredVia, address: peer.remoteAddr })
    } else if (!peer.connected && previous !== undefined) {
      links.delete(peer.id)
      logger.info('peer disconnected', { peer: peer.id, error: peer.lastError })
    }
  }
}
