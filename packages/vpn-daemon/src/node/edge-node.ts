/**
 * An edgevpn node without the VPN: the libp2p host, discovery, the peer table, the shared
 * ledger with its gossip sync, and optionally the alive service. Go edgevpn's `pkg/node`; the
 * VPN, DNS and API are services started on top of it.
 */
import { AliveService, BUCKETS, DiskBlockStore, Ledger, LedgerSync, MemoryBlockStore } from '@edgevpn/ledger'
import { createMeshHost, createPeerTable, startDiscovery } from '@edgevpn/mesh-core'
import { RelayMemberAcl } from './relay-acl.js'
import { serveTime } from './time-protocol.js'
import type { AliveServiceInit, LedgerSyncInit, OwnershipMode } from '@edgevpn/ledger'
import type { Discovery, DiscoveryInit, Logger, MeshHost, MeshHostInit, NetworkConfig, PeerState, PeerTable } from '@edgevpn/mesh-core'
import type { RelayMemberAclInit } from './relay-acl.js'
import type { PrivateKey } from '@libp2p/interface'

export interface EdgeLedgerInit {
  /** Ownership mode of the ledger (`--ownership`). */
  mode: OwnershipMode
  /** How long an owner stays live without a heartbeat, in ms (`--ownership-ttl`). */
  ownershipTtlMs: number
  /** Live entries one peer may hold in owned buckets (`--ledger-max-entries-per-owner`). @default 10000 */
  maxEntriesPerOwner?: number
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
  /**
   * Grant reservations on our relay service to network members only (Go
   * `--relay-service-network-only`); needs `host.relayServer`. @default off (everyone)
   */
  relayAcl?: RelayMemberAclInit
  /**
   * The node's wall clock in Unix ms: it picks the OTP rendezvous, gossip topics and seal keys,
   * and is what the time protocol reports. Tests shift it to reproduce clock skew. @default Date.now
   */
  clock?: () => number
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
    const acl = init.relayAcl !== undefined && init.host.relayServer !== undefined ? new RelayMemberAcl(logger.child('relay')) : undefined
    const relayServer = acl === undefined ? init.host.relayServer : { ...init.host.relayServer, allowReservation: acl.allows }
    // with the alive service, our heartbeat in the ledger is what makes members-only relays
    // (ours and Go's) accept us: reserve only once it is there
    let isMember = (): boolean => init.alive === undefined
    const relayClient = init.host.relayClient === undefined ? undefined : { ...init.host.relayClient, ready: () => isMember() }
    const host = await createMeshHost({ ...init.host, relayServer, relayClient, privateKey: init.privateKey, maxMessageSize: network.maxMessageSize, logger })
    stack.push(async () => { await host.stop() })

    const peers = createPeerTable(host.libp2p, { holePunch: host.holePuncher !== undefined })
    const peerLogger = logger.child('peers')
    const logPeer = createPeerLogger(peerLogger)
    peers.addEventListener('peer:update', event => { logPeer(event.detail) })
    host.holePuncher?.addEventListener('hole-punch', ({ detail }) => {
      peers.holePunched(detail)
      if (detail.ok) peerLogger.info('hole punch succeeded', { peer: detail.peer, address: detail.detail })
      else peerLogger.info(`hole punch failed: ${detail.detail}`, { peer: detail.peer })
    })
    logRelayAddresses(host, logger.child('relay'))
    peers.start()
    stack.push(() => { peers.stop() })

    const ledgerLogger = logger.child('ledger')
    const ledger = new Ledger({
      store: init.ledger.stateDir === undefined
        ? new MemoryBlockStore()
        : new DiskBlockStore({ directory: init.ledger.stateDir, warn: message => { ledgerLogger.warn(message) } }),
      mode: init.ledger.mode,
      signer: init.ledger.mode === 'off' ? undefined : init.privateKey,
      ownershipTtlMs: init.ledger.ownershipTtlMs,
      maxEntriesPerOwner: init.ledger.maxEntriesPerOwner,
      warn: message => { ledgerLogger.warn(message) }
    })
    if (init.alive !== undefined) isMember = () => ledger.getRaw(BUCKETS.healthcheck, host.peerId.toString()) !== undefined
    const sync = new LedgerSync({ libp2p: host.libp2p, ledger }, { ...init.ledger.sync, network, clock: init.clock, logger: ledgerLogger })
    await sync.start()
    stack.push(async () => { await sync.stop() })

    stack.push(await serveTime(host.libp2p, { network, clock: init.clock }))

    const dht = init.discovery.dht === false ? false : { now: init.clock, ...init.discovery.dht }
    if (acl !== undefined && init.relayAcl !== undefined) {
      acl.start(ledger, init.relayAcl)
      stack.push(() => { acl.stop() })
    }

    const discovery: Discovery = startDiscovery(host, { ...init.discovery, dht, network, observer: peers, logger: logger.child('discovery') })
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

/** Logs the relayed addresses this node gains or loses (its relay reservations). */
function logRelayAddresses (host: MeshHost, logger: Logger): void {
  let known = new Set<string>()
  host.libp2p.addEventListener('self:peer:update', () => {
    const current = new Set(host.libp2p.getMultiaddrs().map(String).filter(address => address.includes('/p2p-circuit')))
    for (const address of current) if (!known.has(address)) logger.info('relay reservation active', { address })
    for (const address of known) if (!current.has(address)) logger.info('relay reservation gone', { address })
    known = current
  })
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
      logger.info(`peer connected (${peer.link})`, { peer: peer.id, via: peer.discoveredVia, address: peer.remoteAddr, path: peer.path })
    } else if (!peer.connected && previous !== undefined) {
      links.delete(peer.id)
      logger.info('peer disconnected', { peer: peer.id, error: peer.lastError })
    }
  }
}
