/**
 * The network half of the ledger: gossip of blocks (Go-compatible), gossip of changed entries and
 * the `/edgevpn-ts/ledger-sync` anti-entropy protocol between TypeScript nodes.
 *
 * Design. Go edgevpn converges by brute force: every local write broadcasts the whole last block,
 * and every node re-broadcasts its whole last block on a backoff ticker, forever, so a mesh at rest
 * costs each node the square of its size. We keep what Go peers need and send changes otherwise:
 *
 * - While some peer on the ledger topic does not speak the sync protocol (Go edgevpn, or not
 *   identified yet: per identify's protocol list in the peer store), or with ownership off, every
 *   local write and every tick broadcast the gzipped last block on the ledger topic, as Go does.
 *   Bursts coalesce: while one broadcast is being sent, only the newest block is queued behind it.
 * - Otherwise a local write publishes only the entries it changed (signed, a few hundred bytes) on
 *   a second sealed topic derived from the ledger topic, which Go nodes never join. A heartbeat
 *   that only refreshes this node's `healthcheck` time is not pushed after the first one: it is
 *   soft state, read with minutes of slack, and travels with the pulls below (a node no one
 *   pulls from hands it to a partner).
 * - On every tick a node pulls from one of two partners, topic peers chosen at random and kept
 *   while they stay. The requester keeps the responder's change-log cursor, so a pull costs one
 *   round trip when in sync and the digests of what changed there since the last pull otherwise:
 *   pulling from the same two lists each change at them once, where pulling from a random one of
 *   n peers would list each change at every one of them. The pulls repair whatever gossip missed.
 * - A peer joining the ledger topic (start, late join, partition heal, topic rotation) is synced
 *   with at once: a late joiner has everything after one round trip instead of after the next
 *   tick; a Go joiner gets our full block.
 */

import { createLogger, DEFAULT_MAX_MESSAGE_SIZE, ledgerTopic, md5Hex, BackoffTicker } from '@edgevpn/mesh-core'
import { encodeBlockPayload, gunzipBounded, PayloadDecodeError } from './block-payload.js'
import { digestKey } from './digest.js'
import { encodeEntry } from './entry.js'
import { GossipHub, MessageDropError } from './gossip-hub.js'
import { BUCKETS } from './policy.js'
import { packFields, splitFields } from './records.js'
import { SealKeyring } from './seal-keys.js'
import { LEDGER_SYNC_PROTOCOL, LEDGER_SYNC_PROTOCOL_V1, parseEntryRecords, requestSync, respondSync } from './sync-protocol.js'
import type { Block } from './block.js'
import type { GossipHubInit, HubMessage } from './gossip-hub.js'
import type { Ledger } from './ledger.js'
import type { KeyedEntry } from './merge.js'
import type { RequestOutcome, SyncCursor, SyncOutcome, SyncSessionInit } from './sync-protocol.js'
import type { Logger, MeshLibp2p, NetworkConfig } from '@edgevpn/mesh-core'
import type { PeerId, Stream } from '@libp2p/interface'

export interface LedgerSyncComponents {
  libp2p: MeshLibp2p
  ledger: Ledger
}

export interface LedgerSyncInit {
  network: NetworkConfig
  /**
   * Max interval of the sync backoff ticker in ms (Go `--ledger-synchronization-interval`).
   *
   * @default 10000
   */
  syncIntervalMs?: number
  /**
   * Largest block JSON accepted after gunzip, in bytes (stops gzip bombs).
   *
   * @default 64 MiB
   */
  maxBlockBytes?: number
  /**
   * Time limit of one sync session in ms.
   *
   * @default 15000
   */
  syncTimeoutMs?: number
  /**
   * Sync sessions this node runs as requester at the same time, at most.
   *
   * @default 4
   */
  maxConcurrentSyncs?: number
  /** Options passed to both gossip hubs. */
  hub?: Pick<GossipHubInit, 'rotationCheckMs' | 'previousTopicGraceMs' | 'maxQueuedMessages' | 'maxQueuedBytes'>
  /** @default Date.now */
  clock?: () => number
  /** @default an `edgevpn.ledger` logger */
  logger?: Logger
}

export interface LedgerSyncStats {
  /** Sync sessions we started that completed (in sync or not). */
  syncs: number
  /** Of those, the ones where both summaries already matched. */
  syncsInSync: number
  syncsFailed: number
  /** Sessions peers started with us. */
  syncsServed: number
  /** Entries (or blocks) received through sync sessions. */
  syncReceived: number
  /** Sealed bytes read and written in the sync sessions we started. */
  syncBytes: number
  blocksPublished: number
  /** Messages of changed entries published to our TypeScript peers. */
  changesPublished: number
}

/** `handover`: a session that lists all our digests (no cursor), so the responder takes what it lacks from us too. */
type SyncReason = 'join' | 'periodic' | 'manual' | 'handover'

/**
 * A pull from a peer whose last session exchanged entries but changed nothing here (a lasting
 * disagreement, e.g. an entry our ownership rules reject) is not repeated for this long.
 */
const FUTILE_SYNC_BACKOFF_MS = 30_000
const CHANGES_VERSION = 1
/** How many topic peers a node pulls from in turn on its ticks. */
const SYNC_PARTNERS = 2
/** Peers whose cursor we remember, at most. */
const MAX_REMEMBERED_PEERS = 4096

/** The topic of changed entries: derived from the ledger topic, so it rotates with it. */
export function changesTopic (network: NetworkConfig, nowMs: number): string {
  return md5Hex(ledgerTopic(network, nowMs) + ':edgevpn-ts/ledger-changes')
}

export class LedgerSync {
  readonly ledgerHub: GossipHub
  readonly changesHub: GossipHub
  readonly stats: LedgerSyncStats = {
    syncs: 0, syncsInSync: 0, syncsFailed: 0, syncsServed: 0, syncReceived: 0, syncBytes: 0, blocksPublished: 0, changesPublished: 0
  }

  private readonly libp2p: MeshLibp2p
  private readonly ledger: Ledger
  private readonly keyring: SealKeyring
  private readonly maxBlockBytes: number
  private readonly maxFrameBytes: number
  private readonly syncTimeoutMs: number
  private readonly maxConcurrentSyncs: number
  private readonly clock: () => number
  private readonly logger: Logger
  private readonly ticker: BackoffTicker
  private readonly cursors = new Map<string, SyncCursor>()
  private readonly lastFutileSync = new Map<string, number>()
  private readonly inFlight = new Map<string, Promise<SyncOutcome | undefined>>()
  private readonly waiting: Array<() => void> = []
  private readonly unsubscribers: Array<() => void> = []
  private running = 0
  private pendingBlock?: Block
  private broadcasting?: Promise<void>
  private heartbeatPushed = false
  /** Whether some peer pulled from this node since its last heartbeat. */
  private pulledSinceHeartbeat = false
  /** The partners' peer IDs, and whose turn was last. */
  private readonly partners: string[] = []
  private partnerTurn = 0
  private started = false

  constructor (components: LedgerSyncComponents, init: LedgerSyncInit) {
    this.libp2p = components.libp2p
    this.ledger = components.ledger
    this.clock = init.clock ?? Date.now
    this.logger = init.logger ?? createLogger().child('ledger')
    this.keyring = new SealKeyring({ network: init.network, clock: this.clock })
    const maxMessageSize = init.network.maxMessageSize > 0 ? init.network.maxMessageSize : DEFAULT_MAX_MESSAGE_SIZE
    this.maxFrameBytes = maxMessageSize
    this.maxBlockBytes = init.maxBlockBytes ?? 64 * 1024 * 1024
    this.syncTimeoutMs = init.syncTimeoutMs ?? 15_000
    this.maxConcurrentSyncs = init.maxConcurrentSyncs ?? 4
    const hubComponents = { peerId: this.libp2p.peerId, pubsub: this.libp2p.services.pubsub }
    const hubInit = { ...init.hub, keyring: this.keyring, maxMessageSize, clock: this.clock }
    this.ledgerHub = new GossipHub(hubComponents, {
      ...hubInit, topicAt: now => ledgerTopic(init.network, now), logger: this.logger.child('hub')
    })
    this.changesHub = new GossipHub(hubComponents, {
      ...hubInit, topicAt: now => changesTopic(init.network, now), logger: this.logger.child('changes-hub')
    })
    this.ticker = new BackoffTicker({
      maxInterval: init.syncIntervalMs ?? 10_000,
      onError: err => { this.logger.warn('sync tick failed', { error: err }) }
    }, async () => { await this.tick() })
  }

  /** Publishes `block` soon: coalesced, so a burst of writes sends the newest block once more at most. */
  private broadcast (block: Block): void {
    if (!this.started) return
    this.pendingBlock = block
    if (this.broadcasting !== undefined) return
    this.broadcasting = (async () => {
      for (let next = this.takePendingBlock(); next !== undefined; next = this.takePendingBlock()) {
        await this.publishBlock(next)
      }
    })().finally(() => { this.broadcasting = undefined })
  }

  async start (): Promise<void> {
    if (this.started) return
    this.started = true
    const handler = async (stream: Stream): Promise<void> => { await this.serve(stream) }
    for (const protocol of [LEDGER_SYNC_PROTOCOL, LEDGER_SYNC_PROTOCOL_V1]) {
      await this.libp2p.handle(protocol, handler, { runOnLimitedConnection: true, maxInboundStreams: 2, maxOutboundStreams: 2 })
    }
    this.unsubscribers.push(
      this.ledger.onLocalBlock((block, changed) => { void this.onLocalBlock(block, changed) }),
      this.ledgerHub.addHandler(async message => { await this.onBlockMessage(message) }),
      this.ledgerHub.onPeerJoin(peer => { void this.syncWith(peer, 'join') }),
      this.changesHub.addHandler(async message => { await this.onChangesMessage(message) }),
      // a deleted heartbeat (the leader's scrub) makes the next one news again: push it
      this.ledger.watch({ bucket: BUCKETS.healthcheck, key: this.libp2p.peerId.toString() }, change => { if (change.deleted) this.heartbeatPushed = false })
    )
    this.ledgerHub.start()
    this.changesHub.start()
    this.ticker.start()
  }

  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    await this.ticker.stop()
    for (const unsubscribe of this.unsubscribers.splice(0)) unsubscribe()
    for (const wake of this.waiting.splice(0)) wake()
    for (const protocol of [LEDGER_SYNC_PROTOCOL, LEDGER_SYNC_PROTOCOL_V1]) await this.libp2p.unhandle(protocol)
    await Promise.allSettled([...this.inFlight.values(), this.broadcasting])
    await this.ledgerHub.stop()
    await this.changesHub.stop()
  }

  /**
   * Pull from `peer` now over the sync protocol (a Go peer gets our full block instead).
   *
   * @returns the outcome, or undefined when skipped or failed (failures are logged)
   */
  async syncWith (peer: PeerId, reason: SyncReason = 'manual'): Promise<SyncOutcome | undefined> {
    const id = peer.toString()
    const running = this.inFlight.get(id)
    // a pull in flight carries a cursor, so the partner would not take our heartbeat from it:
    // hand it over once that pull is done
    if (running !== undefined && reason === 'handover') return await running.catch(() => undefined).then(async () => await this.syncWith(peer, reason))
    if (running !== undefined) return await running
    if (reason === 'periodic' && this.clock() - (this.lastFutileSync.get(id) ?? -Infinity) < FUTILE_SYNC_BACKOFF_MS) return undefined
    const session = this.runSync(peer, reason).finally(() => { this.inFlight.delete(id) })
    this.inFlight.set(id, session)
    return session
  }

  /** Whether a peer on the ledger topic lacks the sync protocol (Go edgevpn, or not identified yet). */
  async hasLegacyPeers (): Promise<boolean> {
    for (const peer of this.ledgerHub.topicPeers()) {
      if (!await this.speaksSync(peer)) return true
    }
    return false
  }

  private takePendingBlock (): Block | undefined {
    const block = this.pendingBlock
    this.pendingBlock = undefined
    return block
  }

  private async publishBlock (block: Block): Promise<void> {
    try {
      if (await this.ledgerHub.publish(await encodeBlockPayload(block))) this.stats.blocksPublished++
    } catch (err) {
      this.logger.warn('block broadcast failed', { error: err })
    }
  }

  /** A local write: the whole block where a Go peer listens or ownership is off, else the changed entries. */
  private async onLocalBlock (block: Block, changed: readonly KeyedEntry[]): Promise<void> {
    if (this.ledger.mode === 'off' || await this.hasLegacyPeers()) {
      this.broadcast(block)
      return
    }
    const heartbeat = this.heartbeatRoute(changed)
    if (heartbeat === 'pulls') return
    if (heartbeat === 'handover') {
      const partner = this.nextPartner(await this.syncPeers())
      if (partner !== undefined) {
        void this.syncWith(partner, 'handover')
        return
      }
    }
    const payload = encodeChanges(changed)
    // a write too large for one message (e.g. a big bucket deleted) goes whole, as Go would send it
    if (payload.length > this.maxFrameBytes / 2) {
      this.broadcast(block)
      return
    }
    try {
      if (await this.changesHub.publish(payload)) this.stats.changesPublished++
    } catch (err) {
      this.logger.warn('publishing changed entries failed', { error: err })
    }
  }

  /**
   * How a local write that only refreshed this node's heartbeat travels: the first one is pushed;
   * later ones go with the pulls of whoever pulled from this node since the previous one; a node
   * no one pulls from (no partner picked it) hands the refresh to a partner of its own instead,
   * with a session that lists all its digests, which costs the mesh less than a gossip message
   * every node forwards. Undefined for any other write.
   */
  private heartbeatRoute (changed: readonly KeyedEntry[]): 'push' | 'pulls' | 'handover' | undefined {
    const self = this.libp2p.peerId.toString()
    const onlyHeartbeat = changed.length > 0 && changed.every(({ bucket, key, entry }) => bucket === BUCKETS.healthcheck && key === self && !entry.deleted)
    if (!onlyHeartbeat) return undefined
    const pulled = this.pulledSinceHeartbeat
    this.pulledSinceHeartbeat = false
    if (!this.heartbeatPushed) {
      this.heartbeatPushed = true
      return 'push'
    }
    return pulled ? 'pulls' : 'handover'
  }

  /** The topic peers that speak the sync protocol. */
  private async syncPeers (): Promise<PeerId[]> {
    return (await Promise.all(this.ledgerHub.topicPeers().map(async peer => await this.speaksSync(peer) ? peer : undefined)))
      .filter(peer => peer !== undefined)
  }

  private async tick (): Promise<void> {
    if (await this.hasLegacyPeers()) await this.publishBlock(this.ledger.lastBlock())
    const partner = this.nextPartner(await this.syncPeers())
    if (partner !== undefined) void this.syncWith(partner, 'periodic')
  }

  /** The next partner in turn, after dropping those no longer among `peers` and picking new ones at random. */
  private nextPartner (peers: PeerId[]): PeerId | undefined {
    const byId = new Map(peers.map(peer => [peer.toString(), peer]))
    for (let i = this.partners.length - 1; i >= 0; i--) if (!byId.has(this.partners[i])) this.partners.splice(i, 1)
    const others = [...byId.keys()].filter(id => !this.partners.includes(id))
    while (this.partners.length < SYNC_PARTNERS && others.length > 0) {
      this.partners.push(others.splice(Math.floor(Math.random() * others.length), 1)[0])
    }
    if (this.partners.length === 0) return undefined
    this.partnerTurn = (this.partnerTurn + 1) % this.partners.length
    return byId.get(this.partners[this.partnerTurn])
  }

  private async onBlockMessage (message: HubMessage): Promise<void> {
    let json: Uint8Array
    try {
      json = await gunzipBounded(message.payload, this.maxBlockBytes)
    } catch (err) {
      if (err instanceof PayloadDecodeError) throw new MessageDropError('gunzipFailed', err.message)
      throw err
    }
    const result = await this.ledger.mergeJson(json)
    if (result.error !== undefined) throw new MessageDropError('badBlock', result.error)
  }

  private async onChangesMessage (message: HubMessage): Promise<void> {
    const entries = decodeChanges(message.payload)
    if (entries === undefined) throw new MessageDropError('badChanges', `${message.payload.length} byte message of changed entries`)
    await this.ledger.mergeEntries(entries)
  }

  private async speaksSync (peer: PeerId): Promise<boolean> {
    try {
      const { protocols } = await this.libp2p.peerStore.get(peer)
      return protocols.includes(LEDGER_SYNC_PROTOCOL) || protocols.includes(LEDGER_SYNC_PROTOCOL_V1)
    } catch {
      return false
    }
  }

  private sessionInit (): SyncSessionInit {
    return {
      keyring: this.keyring,
      maxFrameBytes: this.maxFrameBytes,
      maxSessionBytes: this.maxBlockBytes,
      signal: AbortSignal.timeout(this.syncTimeoutMs)
    }
  }

  private async runSync (peer: PeerId, reason: SyncReason): Promise<SyncOutcome | undefined> {
    await this.acquire()
    try {
      if (!this.started) return undefined
      const init = this.sessionInit()
      const outcome = await withDeadline(this.requestFrom(peer, init, reason === 'handover'), init.signal)
      if (outcome === undefined) return undefined
      this.recordOutcome(peer, outcome)
      this.logger.debug('synced', { peer: peer.toString(), reason, ...outcome })
      return outcome
    } catch (err) {
      this.stats.syncsFailed++
      this.logger.debug('sync failed', { peer: peer.toString(), reason, error: err })
      return undefined
    } finally {
      this.release()
    }
  }

  /** Opens a sync stream to `peer` and runs the requester side; undefined for a Go peer. */
  private async requestFrom (peer: PeerId, init: SyncSessionInit, listAll: boolean): Promise<RequestOutcome | undefined> {
    let stream: Stream
    try {
      stream = await this.libp2p.dialProtocol(peer, [LEDGER_SYNC_PROTOCOL, LEDGER_SYNC_PROTOCOL_V1], { runOnLimitedConnection: true, signal: init.signal })
    } catch (err) {
      if ((err as Error).name !== 'UnsupportedProtocolError') throw err
      // a Go peer: give it our state the only way it understands
      this.logger.debug('peer does not speak the sync protocol; sending the full block', { peer: peer.toString() })
      this.broadcast(this.ledger.lastBlock())
      return undefined
    }
    return abortOnSignal(stream, init.signal, async () => requestSync(stream, this.ledger, init, listAll ? undefined : this.cursors.get(peer.toString())))
  }

  private async serve (stream: Stream): Promise<void> {
    try {
      const init = this.sessionInit()
      const outcome = await withDeadline(abortOnSignal(stream, init.signal, async () => respondSync(stream, this.ledger, init)), init.signal)
      this.stats.syncsServed++
      this.pulledSinceHeartbeat = true
      this.stats.syncReceived += outcome.received
    } catch (err) {
      this.logger.debug('serving a sync failed', { error: err })
    }
  }

  private recordOutcome (peer: PeerId, outcome: RequestOutcome): void {
    this.stats.syncs++
    if (outcome.inSync) this.stats.syncsInSync++
    this.stats.syncReceived += outcome.received
    this.stats.syncBytes += outcome.bytes ?? 0
    const id = peer.toString()
    remember(this.cursors, id, outcome.cursor)
    remember(this.lastFutileSync, id, !outcome.inSync && !outcome.changed && outcome.received > 0 ? this.clock() : undefined)
  }

  private async acquire (): Promise<void> {
    while (this.running >= this.maxConcurrentSyncs && this.started) {
      await new Promise<void>(resolve => { this.waiting.push(resolve) })
    }
    this.running++
  }

  private release (): void {
    this.running--
    this.waiting.shift()?.()
  }
}

/** Aborts `stream` when `signal` fires while `work` runs, so no read or write outlives the session. */
async function abortOnSignal<T> (stream: Stream, signal: AbortSignal, work: () => Promise<T>): Promise<T> {
  const onAbort = (): void => { stream.abort(new Error('ledger sync session timed out')) }
  signal.addEventListener('abort', onAbort, { once: true })
  try {
    return await work()
  } finally {
    signal.removeEventListener('abort', onAbort)
  }
}

/** `work`, or a rejection once `signal` aborts: a session never holds its slot past its deadline. */
async function withDeadline<T> (work: Promise<T>, signal: AbortSignal): Promise<T> {
  let onAbort: () => void = () => {}
  const deadline = new Promise<never>((_resolve, reject) => {
    onAbort = () => { reject(signal.reason) }
    if (signal.aborted) onAbort()
    else signal.addEventListener('abort', onAbort, { once: true })
  })
  try {
    return await Promise.race([work, deadline])
  } finally {
    signal.removeEventListener('abort', onAbort)
    work.catch(() => {})
  }
}

/** Sets (or with undefined, drops) `id` in a map that keeps the most recently set entries. */
function remember<T> (map: Map<string, T>, id: string, value: T | undefined): void {
  map.delete(id)
  if (value === undefined) return
  map.set(id, value)
  if (map.size > MAX_REMEMBERED_PEERS) map.delete(map.keys().next().value as string)
}

/** A message of changed entries: a version byte, then the key and the entry JSON of each. */
function encodeChanges (changed: readonly KeyedEntry[]): Uint8Array {
  const fields = changed.flatMap(({ bucket, key, entry }) => [digestKey(bucket, key), encodeEntry(entry)].map(text => Buffer.from(text, 'utf8')))
  return Buffer.concat([Buffer.from([CHANGES_VERSION]), packFields(fields)])
}

/** The entries of a changes message (malformed entries skipped), or undefined when it is malformed. */
function decodeChanges (payload: Uint8Array): KeyedEntry[] | undefined {
  if (payload[0] !== CHANGES_VERSION) return undefined
  const fields = splitFields(payload.subarray(1))
  if (fields === undefined || fields.length % 2 !== 0) return undefined
  const entries = parseEntryRecords(Array.from({ length: fields.length / 2 }, (_, i) => fields.slice(2 * i, 2 * i + 2)))
  return entries.length > 0 ? entries : undefined
}
