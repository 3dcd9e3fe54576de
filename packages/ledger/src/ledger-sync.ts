/**
 * The network half of the ledger: gossip of blocks (Go-compatible), digest summaries and the
 * `/edgevpn-ts/ledger-sync/1.0.0` anti-entropy protocol between TypeScript nodes.
 *
 * Design. Go edgevpn converges by brute force: every local write broadcasts the whole last block,
 * and every node re-broadcasts its whole last block on a backoff ticker (max =
 * `--ledger-synchronization-interval`), forever. We keep what Go peers need and replace the rest:
 *
 * - Local writes broadcast the gzipped last block at once on the ledger topic, as Go does (Go
 *   peers understand nothing else, and it is the fastest path for everyone). Bursts coalesce: while
 *   one broadcast is being sent, only the newest block is queued behind it.
 * - On every tick a node publishes a 33-byte summary (a hash over all its entry digests) on a
 *   second sealed topic derived from the ledger topic, which Go nodes never join. A node that sees
 *   a summary different from its own runs the sync protocol, after a short random delay, with the
 *   peer that delivered it (always connected), skipped if the author's newest summary matches by
 *   then. A repaired node publishes its new summary at once, so a lagging node is healed by one
 *   peer, not by all of them.
 * - On every tick a node also pulls from one random topic peer (one round trip when in sync), so a
 *   node that gossip does not reach at all is still repaired.
 * - The full-block re-broadcast on the tick happens only while some peer on the ledger topic does
 *   not speak the sync protocol (per identify's protocol list in the peer store; unknown counts as
 *   Go), and otherwise at the much lower `fullBlockIntervalMs` as a safety net.
 * - A peer joining the ledger topic (start, late join, partition heal, topic rotation) is synced
 *   with at once: a late joiner has everything after one round trip instead of after the next
 *   tick; a Go joiner gets our full block.
 */

import { createLogger, DEFAULT_MAX_MESSAGE_SIZE, ledgerTopic, md5Hex, BackoffTicker } from '@edgevpn/mesh-core'
import { encodeBlockPayload, gunzipBounded, PayloadDecodeError } from './block-payload.js'
import { GossipHub, MessageDropError } from './gossip-hub.js'
import { SealKeyring } from './seal-keys.js'
import { ledgerSummary, LEDGER_SYNC_PROTOCOL, requestSync, respondSync } from './sync-protocol.js'
import type { Block } from './block.js'
import type { GossipHubInit, HubMessage } from './gossip-hub.js'
import type { Ledger } from './ledger.js'
import type { SyncOutcome, SyncSessionInit } from './sync-protocol.js'
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
   * Full-block re-broadcast interval in ms when every topic peer speaks the sync protocol.
   *
   * @default 300000
   */
  fullBlockIntervalMs?: number
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
  /**
   * Random delay before acting on a summary mismatch, in ms (lets one repair cancel the others).
   *
   * @default 500
   */
  mismatchJitterMs?: number
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
  blocksPublished: number
  summariesPublished: number
}

type SyncReason = 'join' | 'mismatch' | 'periodic' | 'manual'

/**
 * A summary mismatch with a peer whose last sync exchanged entries but changed nothing here (a
 * lasting disagreement, e.g. an entry our ownership rules reject) is not acted on for this long.
 */
const FUTILE_SYNC_BACKOFF_MS = 30_000
const SUMMARY_VERSION = 1
/** Peers whose last summary we remember, at most. */
const MAX_REMEMBERED_PEERS = 4096

/** The topic of digest summaries: derived from the ledger topic, so it rotates with it. */
export function digestTopic (network: NetworkConfig, nowMs: number): string {
  return md5Hex(ledgerTopic(network, nowMs) + ':edgevpn-ts/ledger-digest')
}

export class LedgerSync {
  readonly ledgerHub: GossipHub
  readonly digestHub: GossipHub
  readonly stats: LedgerSyncStats = {
    syncs: 0, syncsInSync: 0, syncsFailed: 0, syncsServed: 0, syncReceived: 0, blocksPublished: 0, summariesPublished: 0
  }

  private readonly libp2p: MeshLibp2p
  private readonly ledger: Ledger
  private readonly keyring: SealKeyring
  private readonly maxBlockBytes: number
  private readonly maxFrameBytes: number
  private readonly syncTimeoutMs: number
  private readonly maxConcurrentSyncs: number
  private readonly mismatchJitterMs: number
  private readonly fullBlockIntervalMs: number
  private readonly clock: () => number
  private readonly logger: Logger
  private readonly ticker: BackoffTicker
  private readonly peerSummaries = new Map<string, string>()
  private readonly lastFutileSync = new Map<string, number>()
  private readonly inFlight = new Map<string, Promise<SyncOutcome | undefined>>()
  private readonly waiting: Array<() => void> = []
  private readonly timers = new Set<ReturnType<typeof setTimeout>>()
  private readonly unsubscribers: Array<() => void> = []
  private running = 0
  private lastFullBlockAt = -Infinity
  private pendingBlock?: Block
  private broadcasting?: Promise<void>
  private summaryTimer?: ReturnType<typeof setTimeout>
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
    this.mismatchJitterMs = init.mismatchJitterMs ?? 500
    this.fullBlockIntervalMs = init.fullBlockIntervalMs ?? 300_000
    const hubComponents = { peerId: this.libp2p.peerId, pubsub: this.libp2p.services.pubsub }
    const hubInit = { ...init.hub, keyring: this.keyring, maxMessageSize, clock: this.clock }
    this.ledgerHub = new GossipHub(hubComponents, {
      ...hubInit, topicAt: now => ledgerTopic(init.network, now), logger: this.logger.child('hub')
    })
    this.digestHub = new GossipHub(hubComponents, {
      ...hubInit, topicAt: now => digestTopic(init.network, now), logger: this.logger.child('digest-hub')
    })
    this.ticker = new BackoffTicker({
      maxInterval: init.syncIntervalMs ?? 10_000,
      onError: err => { this.logger.warn('sync tick failed', { error: err }) }
    }, async () => { await this.tick() })
  }

  /** Publishes `block` at once: each block the ledger makes locally (see `start`), or the last one for a Go peer. */
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
    await this.libp2p.handle(LEDGER_SYNC_PROTOCOL, async (stream) => { await this.serve(stream) }, {
      runOnLimitedConnection: true, maxInboundStreams: 2, maxOutboundStreams: 2
    })
    this.unsubscribers.push(
      this.ledger.onLocalBlock(block => { this.broadcast(block) }),
      this.ledgerHub.addHandler(async message => { await this.onBlockMessage(message) }),
      this.ledgerHub.onPeerJoin(peer => { this.onPeerJoin(peer) }),
      this.digestHub.addHandler(message => { this.onSummaryMessage(message) })
    )
    this.ledgerHub.start()
    this.digestHub.start()
    this.ticker.start()
  }

  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    await this.ticker.stop()
    for (const unsubscribe of this.unsubscribers.splice(0)) unsubscribe()
    for (const timer of this.timers) clearTimeout(timer)
    this.timers.clear()
    clearTimeout(this.summaryTimer)
    for (const wake of this.waiting.splice(0)) wake()
    await this.libp2p.unhandle(LEDGER_SYNC_PROTOCOL)
    await Promise.allSettled([...this.inFlight.values(), this.broadcasting])
    await this.ledgerHub.stop()
    await this.digestHub.stop()
  }

  /**
   * Reconcile with `peer` now over the sync protocol (a Go peer gets our full block instead).
   *
   * @returns the outcome, or undefined when skipped or failed (failures are logged)
   */
  async syncWith (peer: PeerId, reason: SyncReason = 'manual'): Promise<SyncOutcome | undefined> {
    const id = peer.toString()
    const running = this.inFlight.get(id)
    if (running !== undefined) return running
    if ((reason === 'mismatch' || reason === 'periodic') && this.clock() - (this.lastFutileSync.get(id) ?? -Infinity) < FUTILE_SYNC_BACKOFF_MS) return undefined
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
      if (await this.ledgerHub.publish(await encodeBlockPayload(block))) {
        this.stats.blocksPublished++
        this.lastFullBlockAt = this.clock()
      }
    } catch (err) {
      this.logger.warn('block broadcast failed', { error: err })
    }
  }

  private async publishSummary (): Promise<void> {
    const summary = Buffer.concat([Buffer.from([SUMMARY_VERSION]), Buffer.from(ledgerSummary(this.ledger), 'hex')])
    if (await this.digestHub.publish(summary)) this.stats.summariesPublished++
  }

  private async tick (): Promise<void> {
    if (await this.hasLegacyPeers() || this.clock() - this.lastFullBlockAt >= this.fullBlockIntervalMs) {
      await this.publishBlock(this.ledger.lastBlock())
    }
    await this.publishSummary()
    // pull from one random peer as well: repairs a node that gossip does not reach (e.g. outside
    // every gossipsub mesh), at the price of one small round trip when already in sync
    const peers = (await Promise.all(this.ledgerHub.topicPeers().map(async peer => await this.speaksSync(peer) ? peer : undefined)))
      .filter(peer => peer !== undefined)
    if (peers.length > 0) void this.syncWith(peers[Math.floor(Math.random() * peers.length)], 'periodic')
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

  private onSummaryMessage (message: HubMessage): void {
    const { payload, author, forwarder } = message
    if (payload.length !== 33 || payload[0] !== SUMMARY_VERSION) throw new MessageDropError('badSummary', `${payload.length} byte summary`)
    if (author === undefined) return
    const id = author.toString()
    const summary = Buffer.from(payload.subarray(1)).toString('hex')
    this.peerSummaries.delete(id)
    this.peerSummaries.set(id, summary)
    if (this.peerSummaries.size > MAX_REMEMBERED_PEERS) this.peerSummaries.delete(this.peerSummaries.keys().next().value as string)
    if (summary === ledgerSummary(this.ledger)) return
    // reconcile with the peer that handed us the summary: it is connected (the author may be
    // hops away) and has seen at least what the author announced
    this.later(Math.random() * this.mismatchJitterMs, () => {
      if (this.peerSummaries.get(id) !== ledgerSummary(this.ledger)) void this.syncWith(forwarder, 'mismatch')
    })
  }

  private onPeerJoin (peer: PeerId): void {
    void this.syncWith(peer, 'join')
  }

  private later (ms: number, task: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      if (this.started) task()
    }, ms)
    this.timers.add(timer)
  }

  private async speaksSync (peer: PeerId): Promise<boolean> {
    try {
      return (await this.libp2p.peerStore.get(peer)).protocols.includes(LEDGER_SYNC_PROTOCOL)
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
      const outcome = await withDeadline(this.requestFrom(peer, init), init.signal)
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
  private async requestFrom (peer: PeerId, init: SyncSessionInit): Promise<SyncOutcome | undefined> {
    let stream: Stream
    try {
      stream = await this.libp2p.dialProtocol(peer, LEDGER_SYNC_PROTOCOL, { runOnLimitedConnection: true, signal: init.signal })
    } catch (err) {
      if ((err as Error).name !== 'UnsupportedProtocolError') throw err
      // a Go peer: give it our state the only way it understands
      this.logger.debug('peer does not speak the sync protocol; sending the full block', { peer: peer.toString() })
      this.broadcast(this.ledger.lastBlock())
      return undefined
    }
    return abortOnSignal(stream, init.signal, async () => requestSync(stream, this.ledger, init))
  }

  private async serve (stream: Stream): Promise<void> {
    try {
      const init = this.sessionInit()
      const outcome = await withDeadline(abortOnSignal(stream, init.signal, async () => respondSync(stream, this.ledger, init)), init.signal)
      this.stats.syncsServed++
      this.stats.syncReceived += outcome.received
      if (outcome.changed) this.announceRepair()
    } catch (err) {
      this.logger.debug('serving a sync failed', { error: err })
    }
  }

  private recordOutcome (peer: PeerId, outcome: SyncOutcome): void {
    this.stats.syncs++
    if (outcome.inSync) this.stats.syncsInSync++
    this.stats.syncReceived += outcome.received
    const id = peer.toString()
    this.lastFutileSync.delete(id)
    if (!outcome.inSync && !outcome.changed) {
      this.lastFutileSync.set(id, this.clock())
      if (this.lastFutileSync.size > MAX_REMEMBERED_PEERS) this.lastFutileSync.delete(this.lastFutileSync.keys().next().value as string)
    }
    if (outcome.changed) this.announceRepair()
  }

  /** After a repair, tell the others soon (debounced) so their pending mismatch syncs are skipped. */
  private announceRepair (): void {
    if (this.summaryTimer !== undefined || !this.started) return
    this.summaryTimer = setTimeout(() => {
      this.summaryTimer = undefined
      if (this.started) void this.publishSummary()
    }, 100)
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
