/**
 * An edgevpn node without the VPN: the libp2p host, discovery, the peer table, the shared
 * ledger with its gossip sync, and optionally the alive service. Go edgevpn's `pkg/node`; the
 * VPN, DNS and API are services started on top of it.
 */
import { AliveService, DiskBlockStore, Ledger, LedgerSync, MemoryBlockStore } from '@edgevpn/ledger'
import { createMeshHost, createPeerTable, startDiscovery } from '@edgevpn/mesh-core'
import type { AliveServiceInit, LedgerSyncInit, OwnershipMode } from '@edgevpn/ledger'
import type { Discovery, DiscoveryInit, Logger, MeshHost, MeshHostInit, NetworkConfig, PeerState, PeerTable } from '@edgevpn/mesh-core'
import type { PrivateKey } from '@libp2p/interface'

export interface EdgeLedgerInit {
  /** Ownership mode of the ledger (`--ownership`). */
  mode: OwnershipMode
  /** How long an owner stays live without a heartbeat, in ms (`--ownership-ttl`). */
  ownershipTtlMs: number
  /** Keep the ledger on disk in this directory (`--ledger-state`). @default in memory */
  stateDir?: string
  /** Gossip sync options (`--ledger-synchronization-interval`, ...). */
  sync: Omit<LedgerSyncInit, 'network' | 'logger'>
}

export interface EdgeNodeInit {
  network: NetworkConfig
  /** The node identity; it also signs ledger entries when ownership is on. */
  privateKey: PrivateKey
  host: Omit<MeshHostInit, 'privateKey' | 'maxMessageSize'>
  discovery: Omit<DiscoveryInit, 'network' | 'observer' | 'logger'>
  ledger: EdgeLedgerInit
  /** Publish heartbeats and reap dead entries (Go's alive service). @default off */
  alive?: AliveServiceInit
  logger: Logger
}

export interface EdgeNode {
  readonly network: NetworkConfig
  readonly host: MeshHost
  readonly peers: PeerTable
  readonly ledger: Ledger
  readonly sync: LedgerSync
  /** Stops everything started here, in reverse order; safe to call twice. */
  stop: () => Promise<void>
}

export async function startEdgeNode (init: EdgeNodeInit): Promise<EdgeNode> {
  const { logger, network } = init
  const stack: Array<() => Promise<void> | void> = []
  const stop = async (): Promise<void> => {
    while (stack.length > 0) {
      try {
        await stack.pop()?.()
      } catch (err) {
        logger.warn('error while stopping', { error: err })
      }
    }
  }

  try {
    const host = await createMeshHost({ ...init.host, privateKey: init.privateKey, maxMessageSize: network.maxMessageSize })
    stack.push(async () => { await host.stop() })

    const peers = createPeerTable(host.libp2p)
    const logPeer = createPeerLogger(logger.child('peers'))
    peers.addEventListener('peer:update', event => { logPeer(event.detail) })
    peers.start()
    stack.push(() => { peers.stop() })

    let sync: LedgerSync | undefined
    const ledgerLogger = logger.child('ledger')
    const ledger = new Ledger({
      store: init.ledger.stateDir === undefined
        ? new MemoryBlockStore()
        : new DiskBlockStore({ directory: init.ledger.stateDir, warn: message => { ledgerLogger.warn(message) } }),
      mode: init.ledger.mode,
      signer: init.ledger.mode === 'off' ? undefined : init.privateKey,
      ownershipTtlMs: init.ledger.ownershipTtlMs,
      onBroadcast: block => { sync?.onBroadcast(block) },
      warn: message => { ledgerLogger.warn(message) }
    })
    sync = new LedgerSync({ libp2p: host.libp2p, ledger }, { ...init.ledger.sync, network, logger: ledgerLogger })
    await sync.start()
    stack.push(async () => { await sync?.stop() })

    const discovery: Discovery = startDiscovery(host, { ...init.discovery, network, observer: peers, logger: logger.child('discovery') })
    stack.push(async () => { await discovery.stop() })

    if (init.alive !== undefined) {
      const alive = new AliveService({ ledger, peerId: host.peerId.toString() }, { ...init.alive, logger: logger.child('alive') })
      alive.start()
      stack.push(async () => { await alive.stop() })
    }

    logger.info('node started', {
      peerId: host.peerId.toString(),
      addresses: host.libp2p.getMultiaddrs().map(String),
      ownership: init.ledger.mode
    })
    return { network, host, peers, ledger, sync, stop }
  } catch (err) {
    await stop()
    throw err
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
