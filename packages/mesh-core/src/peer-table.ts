import { TypedEventEmitter } from '@libp2p/interface'
import { isRelayed } from './hole-punch.js'
import type { DiscoveryObserver, DiscoverySource } from './discovery/dial.js'
import type { HolePunchResult } from './hole-punch.js'
import type { Connection, Libp2p, PeerId } from '@libp2p/interface'

/** How we reach a connected peer. */
export type PeerLink = 'direct' | 'relayed' | 'none'

/** What the table knows about one peer (a snapshot; the table replaces it on change). */
export interface PeerState {
  /** Peer ID, base58btc. */
  readonly id: string
  /** The first way we learned about the peer. */
  readonly discoveredVia: DiscoverySource
  readonly connected: boolean
  /** `direct` when any open connection is not relayed; `none` when disconnected. */
  readonly link: PeerLink
  /**
   * The link and why, e.g. `direct`, `direct: hole-punched`, `relayed: hole punch failed,
   * symmetric NAT (ours)`.
   */
  readonly path: string
  /** Remote address of the preferred open connection. */
  readonly remoteAddr?: string
  /** Round-trip time in ms from libp2p's keep-alive pings, when measured. */
  readonly latencyMs?: number
  /** Message of the last failed dial; cleared by a successful connection. */
  readonly lastError?: string
  /** Unix ms when the peer entered the table. */
  readonly firstSeen: number
  /** Unix ms of the last discovery, connection event or dial failure. */
  readonly lastSeen: number
}

export interface PeerTableEvents {
  'peer:update': CustomEvent<PeerState>
  /** A disconnected entry was dropped to keep the table within `maxEntries`. */
  'peer:evict': CustomEvent<PeerState>
}

export interface PeerTableInit {
  /** Disconnected peers beyond this size are evicted, least recently seen first. @default 1024 */
  maxEntries?: number
  /** How often connection round-trip times are read, in ms. @default 10_000 */
  latencyInterval?: number
  /** Wall clock in ms. @default Date.now */
  now?: () => number
  /** Whether the node hole-punches relayed connections (only changes the path text). @default true */
  holePunch?: boolean
}

/** What the table remembers about how a peer's link came to be. */
interface PathHistory {
  /** The last hole punch attempt with the peer. */
  punch?: HolePunchResult
  /** Whether the peer was reached through a relay before. */
  relayed: boolean
}

/**
 * The state of every peer the node knows: how it was found, whether and how it is connected,
 * latency and the last dial error. It follows libp2p's `connection:open`/`connection:close`
 * events and the reports of the discovery code (as its {@link DiscoveryObserver}), and emits
 * `peer:update` with a fresh snapshot on every change.
 *
 * libp2p's own `peer:discovery` event is not used: it fires for every peer added to the peer
 * store (every DHT routing-table contact) and does not say which mechanism found it.
 */
export class PeerTable extends TypedEventEmitter<PeerTableEvents> implements DiscoveryObserver {
  private readonly libp2p: Libp2p
  private readonly entries = new Map<string, PeerState>()
  private readonly maxEntries: number
  private readonly latencyInterval: number
  private readonly now: () => number
  private readonly holePunch: boolean
  private readonly history = new Map<string, PathHistory>()
  private timer?: ReturnType<typeof setInterval>

  constructor (libp2p: Libp2p, init: PeerTableInit = {}) {
    super()
    this.libp2p = libp2p
    this.maxEntries = init.maxEntries ?? 1024
    this.latencyInterval = init.latencyInterval ?? 10_000
    this.now = init.now ?? Date.now
    this.holePunch = init.holePunch ?? true
    this.onConnectionOpen = this.onConnectionOpen.bind(this)
    this.onConnectionClose = this.onConnectionClose.bind(this)
  }

  /** Subscribes to libp2p and records the peers already connected. */
  start (): void {
    if (this.timer != null) return
    this.libp2p.addEventListener('connection:open', this.onConnectionOpen)
    this.libp2p.addEventListener('connection:close', this.onConnectionClose)
    for (const connection of this.libp2p.getConnections()) this.refresh(connection.remotePeer, sourceOf(connection))
    this.timer = setInterval(() => { this.refreshConnected() }, this.latencyInterval)
    this.timer.unref()
  }

  stop (): void {
    this.libp2p.removeEventListener('connection:open', this.onConnectionOpen)
    this.libp2p.removeEventListener('connection:close', this.onConnectionClose)
    clearInterval(this.timer)
    this.timer = undefined
  }

  get (peer: PeerId | string): PeerState | undefined {
    return this.entries.get(peer.toString())
  }

  list (): PeerState[] {
    return [...this.entries.values()]
  }

  get size (): number {
    return this.entries.size
  }

  discovered (peer: PeerId, via: DiscoverySource): void {
    this.refresh(peer, via)
  }

  dialFailed (peer: PeerId, error: Error): void {
    this.refresh(peer, 'outbound', { lastError: error.message })
  }

  /** Records the result of a hole punch attempt with a peer (see {@link HolePuncher}). */
  holePunched (result: HolePunchResult): void {
    this.historyOf(result.peer).punch = result
    const entry = this.entries.get(result.peer)
    this.refresh(result.peer, entry?.discoveredVia ?? 'outbound')
  }

  private onConnectionOpen (event: CustomEvent<Connection>): void {
    this.refresh(event.detail.remotePeer, sourceOf(event.detail), { lastError: undefined })
  }

  private onConnectionClose (event: CustomEvent<Connection>): void {
    this.refresh(event.detail.remotePeer, sourceOf(event.detail))
  }

  private refreshConnected (): void {
    for (const entry of this.entries.values()) {
      if (entry.connected) this.refresh(entry.id, entry.discoveredVia, {}, false)
    }
  }

  /**
   * Recomputes a peer's entry from its current connections, applies `changes` and emits
   * `peer:update` if anything differs. `touch` marks the peer as seen now.
   */
  private refresh (peer: PeerId | string, via: DiscoverySource, changes: Partial<Pick<PeerState, 'lastError'>> = {}, touch = true): void {
    const id = peer.toString()
    const previous = this.entries.get(id)
    const connections = this.libp2p.getConnections()
      .filter(connection => connection.status === 'open' && connection.remotePeer.toString() === id)
    const preferred = connections.find(connection => !isRelayed(connection)) ?? connections[0]
    const rtts = connections.map(connection => connection.rtt).filter(rtt => rtt != null)
    const time = this.now()
    const link: PeerLink = preferred == null ? 'none' : isRelayed(preferred) ? 'relayed' : 'direct'
    const history = this.historyOf(id)

    const next: PeerState = {
      id,
      discoveredVia: previous?.discoveredVia ?? via,
      connected: preferred != null,
      link,
      path: this.describePath(link, history),
      remoteAddr: preferred?.remoteAddr.toString() ?? previous?.remoteAddr,
      latencyMs: rtts.length > 0 ? Math.min(...rtts) : previous?.latencyMs,
      lastError: 'lastError' in changes ? changes.lastError : previous?.lastError,
      firstSeen: previous?.firstSeen ?? time,
      lastSeen: touch ? time : previous?.lastSeen ?? time
    }
    if (link === 'relayed') history.relayed = true
    this.entries.set(id, next)
    if (previous != null && sameState(previous, next)) return
    this.safeDispatchEvent('peer:update', { detail: next })
    if (previous == null) this.evictBeyondLimit()
  }

  private historyOf (id: string): PathHistory {
    let history = this.history.get(id)
    if (history === undefined) {
      history = { relayed: false }
      this.history.set(id, history)
    }
    return history
  }

  private describePath (link: PeerLink, { punch, relayed }: PathHistory): string {
    if (link === 'none') return 'none'
    if (link === 'direct') {
      if (punch?.ok === true) return 'direct: hole-punched'
      return relayed ? 'direct: upgraded from relayed' : 'direct'
    }
    if (!this.holePunch) return 'relayed: hole punching is off'
    if (punch === undefined) return 'relayed: no hole punch yet'
    return punch.ok ? 'relayed: the hole-punched connection closed' : `relayed: hole punch failed, ${punch.detail}`
  }

  private evictBeyondLimit (): void {
    let excess = this.entries.size - this.maxEntries
    if (excess <= 0) return
    const candidates = [...this.entries.values()]
      .filter(entry => !entry.connected)
      .sort((a, b) => a.lastSeen - b.lastSeen)
    for (const entry of candidates) {
      if (excess-- <= 0) break
      this.entries.delete(entry.id)
      this.history.delete(entry.id)
      this.safeDispatchEvent('peer:evict', { detail: entry })
    }
  }
}

/** Creates a peer table for `libp2p` and starts following its events. */
export function createPeerTable (libp2p: Libp2p, init: PeerTableInit = {}): PeerTable {
  const table = new PeerTable(libp2p, init)
  table.start()
  return table
}

function sourceOf (connection: Connection): DiscoverySource {
  return connection.direction === 'inbound' ? 'inbound' : 'outbound'
}

function sameState (a: PeerState, b: PeerState): boolean {
  // a new lastSeen alone is recorded silently: repeated mDNS answers would flood listeners
  return a.discoveredVia === b.discoveredVia && a.connected === b.connected && a.link === b.link && a.path === b.path &&
    a.remoteAddr === b.remoteAddr && a.latencyMs === b.latencyMs && a.lastError === b.lastError
}
