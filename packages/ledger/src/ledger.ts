import { genesisBlock, isWellFormedBlock, newBlock, parseBlock } from './block.js'
import { randomBytes } from 'node:crypto'
import { changedEntries, diffStorage } from './changes.js'
import { digestKey, entryDigest, parseDigestKey } from './digest.js'
import { legacyEntry, sameEntry } from './entry.js'
import { compareUtf8, encodeGoJson, parseJson } from '@edgevpn/go-compat'
import { adoptsBlock, mergeEntries as mergeIntoStorage, storageEntries } from './merge.js'
import { BUCKETS, defaultRegistry, isExpired, isLive, liveValues, policyFor } from './policy.js'
import { entrySigner, signEntry, versionAfter } from './signing.js'
import { StorageDraft } from './storage.js'
import { MemoryBlockStore } from './store-memory.js'
import type { Block } from './block.js'
import type { LedgerChange } from './changes.js'
import type { LedgerEntry } from './entry.js'
import type { JsonValue } from '@edgevpn/go-compat'
import type { KeyedEntry, Violation, ViolationReason } from './merge.js'
import type { OwnershipMode } from './ownership.js'
import type { Registry } from './policy.js'
import type { EntrySigner } from './signing.js'
import type { Storage } from './storage.js'
import type { BlockStore } from './store.js'
import type { PrivateKey } from '@libp2p/interface'

/** 4 × the default 120 s heartbeat interval, as Go's CLI resolves `--ownership-ttl 0`. */
export const DEFAULT_OWNERSHIP_TTL_MS = 8 * 60_000

export interface LedgerInit {
  /**
   * Where blocks are kept. An empty store gets a new genesis block.
   *
   * @default new MemoryBlockStore()
   */
  store?: BlockStore
  /**
   * How received state is merged (the CLI passes `enforce`).
   *
   * @default 'off'
   */
  mode?: OwnershipMode
  /**
   * The node's identity key. With it, writes are signed entries owned by its peer ID; without it
   * writes are legacy unsigned entries (and `reap` does nothing).
   */
  signer?: PrivateKey
  /**
   * Heartbeat window for owner liveness and lifetime of heartbeat entries.
   *
   * @default 480000 (8 minutes)
   */
  ownershipTtlMs?: number
  /**
   * Bucket policies.
   *
   * @default defaultRegistry(ownershipTtlMs)
   */
  registry?: Registry
  /**
   * Wall clock in Unix milliseconds (tests inject a fixed one).
   *
   * @default Date.now
   */
  clock?: () => number
  /**
   * Most live entries one peer may hold in the owned buckets when merging received state in
   * observe/enforce mode (a resource bound, not in Go); local writes are not limited.
   *
   * @default 10000
   */
  maxEntriesPerOwner?: number
  /**
   * Receives one-line warnings, e.g. Go's `ownership violation (rejected): b/k from X: reason`.
   *
   * @default console.warn
   */
  warn?: (message: string) => void
}

export interface MergeResult {
  /** Whether the ledger now has a new last block. */
  readonly blockAdded: boolean
  /** Visible changes the merge caused. */
  readonly changes: LedgerChange[]
  /** Ownership violations (dropped in enforce mode, taken in observe mode). */
  readonly violations: Violation[]
  /** Entries dropped because they were not well-formed. */
  readonly malformed: number
  /** Set when the whole input was refused (undecodable block, entry merge while `off`). */
  readonly error?: string
}

/** A position in a ledger's change log (see {@link Ledger.changeCursor}). */
export interface ChangeCursor {
  /** 16 hex digits, random per ledger instance. */
  readonly epoch: string
  readonly seq: number
}

/** Gets a block made by a local mutation and the entries it stored (tombstones included). */
export type LocalBlockListener = (block: Block, changed: readonly KeyedEntry[]) => void

export interface WatchFilter {
  bucket?: string
  key?: string
}

interface Watcher {
  readonly filter: WatchFilter
  readonly listener: (change: LedgerChange) => void
}

const STALE_COPY: ReadonlySet<ViolationReason> = new Set<ViolationReason>(['rollback to an older version', 'stale tombstone', 'lost deterministic tie-break'])

/**
 * The shared key/value ledger of a mesh (Go `blockchain.Ledger`), without the network: state
 * arrives through {@link Ledger.merge}, and blocks made here reach {@link Ledger.onLocalBlock}
 * listeners (`LedgerSync` publishes them).
 *
 * Reads are synchronous views of the last block. Mutations are asynchronous (signing may be) and
 * run one at a time in call order.
 */
export class Ledger {
  readonly mode: OwnershipMode
  readonly ownershipTtlMs: number
  private readonly store: BlockStore
  private readonly signer: EntrySigner | undefined
  private readonly registry: Registry
  private readonly maxEntriesPerOwner: number
  private readonly clock: () => number
  private readonly warn: (message: string) => void
  private readonly watchers = new Set<Watcher>()
  private readonly localBlockListeners = new Set<LocalBlockListener>()
  private readonly changeEpoch = randomBytes(8).toString('hex')
  private changeSeq = 0
  /** `bucket\0key` → change number, oldest change first. */
  private readonly changedAt = new Map<string, number>()
  private readonly rejected = new Map<ViolationReason, number>()
  private head: Block
  private queue: Promise<unknown> = Promise.resolve()

  constructor (init: LedgerInit = {}) {
    this.store = init.store ?? new MemoryBlockStore()
    this.mode = init.mode ?? 'off'
    this.signer = init.signer === undefined ? undefined : entrySigner(init.signer)
    this.ownershipTtlMs = init.ownershipTtlMs ?? DEFAULT_OWNERSHIP_TTL_MS
    this.registry = init.registry ?? defaultRegistry(this.ownershipTtlMs)
    this.maxEntriesPerOwner = init.maxEntriesPerOwner ?? 10_000
    this.clock = init.clock ?? Date.now
    this.warn = init.warn ?? ((message) => { console.warn(message) })
    let head = this.store.last()
    if (head === undefined) {
      head = genesisBlock(this.clock())
      this.store.add(head)
    }
    this.head = head
  }

  /** Base58 peer ID that owns this node's writes, or undefined when writes are unsigned. */
  get ownerId (): string | undefined {
    return this.signer?.id
  }

  lastBlock (): Block {
    return this.head
  }

  /** The last block's Index (Go `Ledger.Index`). */
  index (): number {
    return this.head.index
  }

  /** The stored entry, tombstones included. */
  getEntry (bucket: string, key: string): LedgerEntry | undefined {
    return this.head.storage.get(bucket)?.get(key)
  }

  /** The live Value JSON text of a key (Go `GetKey`). */
  getRaw (bucket: string, key: string): string | undefined {
    const entry = this.getEntry(bucket, key)
    return entry === undefined || entry.deleted ? undefined : entry.value
  }

  /** The live value of a key, decoded (integers beyond 2^53 as bigint); undefined if absent or not JSON. */
  get (bucket: string, key: string): JsonValue | undefined {
    return decodeValue(this.getRaw(bucket, key))
  }

  /** Live keys of a bucket with their decoded values (values that are not JSON are left out). */
  list (bucket: string): Map<string, JsonValue> {
    const out = new Map<string, JsonValue>()
    for (const [key, text] of liveValues(this.head.storage.get(bucket))) {
      const value = decodeValue(text)
      if (value !== undefined) out.set(key, value)
    }
    return out
  }

  /** Go `CurrentData`: bucket → key → Value text, tombstones hidden, buckets without live keys left out. */
  currentData (): Map<string, Map<string, string>> {
    const out = new Map<string, Map<string, string>>()
    for (const [name, bucket] of this.head.storage) {
      const values = liveValues(bucket)
      if (values.size > 0) out.set(name, values)
    }
    return out
  }

  /** Names of the buckets with live keys, in byte order. */
  buckets (): string[] {
    return [...this.currentData().keys()].sort(compareUtf8)
  }

  /**
   * Store `value` (encoded like Go's `json.Marshal`) under bucket/key. Re-writing the value we
   * already own makes no block.
   *
   * @returns whether a new block was made
   * @throws JsonEncodeError when the value cannot be encoded
   */
  async put (bucket: string, key: string, value: unknown): Promise<boolean> {
    return this.putRaw(bucket, key, encodeGoJson(value))
  }

  /** {@link put} with the Value JSON text given verbatim (it is not validated). */
  async putRaw (bucket: string, key: string, valueText: string): Promise<boolean> {
    return this.mutate(async (draft, nowMs) => {
      draft.ensureBucket(bucket)
      const previous = draft.get(bucket, key)
      const entry = await this.makeEntry(bucket, key, valueText, previous, nowMs)
      if (previous !== undefined && sameEntry(previous, entry)) return false
      draft.set(bucket, key, entry)
      return true
    })
  }

  /** Delete a key: a signed tombstone when signing, else the key is removed. */
  async delete (bucket: string, key: string): Promise<boolean> {
    return this.mutate(async (draft, nowMs) => {
      const previous = draft.get(bucket, key)
      if (this.signer === undefined) {
        if (previous === undefined) return false
        draft.delete(bucket, key)
        return true
      }
      if (previous === undefined || previous.deleted) return false
      draft.set(bucket, key, await this.makeTombstone(bucket, key, previous, nowMs))
      return true
    })
  }

  /** Delete a bucket: tombstones for every live key when signing, else the bucket is removed. */
  async deleteBucket (bucket: string): Promise<boolean> {
    return this.mutate(async (draft, nowMs) => {
      const entries = draft.bucket(bucket)
      if (entries === undefined) return false
      if (this.signer === undefined) {
        draft.deleteBucket(bucket)
        return true
      }
      let changed = false
      for (const [key, previous] of entries) {
        if (previous.deleted) continue
        draft.set(bucket, key, await this.makeTombstone(bucket, key, previous, nowMs))
        changed = true
      }
      return changed
    })
  }

  /**
   * Go `Reap` (run by the elected leader): drop tombstones older than `tombstoneTtlMs` and
   * tombstone expired entries of owned buckets. Does nothing when ownership is off or unsigned.
   */
  async reap (tombstoneTtlMs: number): Promise<boolean> {
    return this.mutate(async (draft, nowMs) => {
      if (this.mode === 'off' || this.signer === undefined) return false
      const health = liveValues(draft.bucket(BUCKETS.healthcheck))
      let changed = false
      for (const bucket of draft.bucketNames()) {
        const policy = policyFor(this.registry, bucket)
        for (const [key, entry] of draft.bucket(bucket) ?? []) {
          if (entry.deleted) {
            if (Number(entry.updatedAt) * 1000 + tombstoneTtlMs < nowMs) {
              draft.delete(bucket, key)
              changed = true
            }
          } else if (policy.owned && isExpired(policy, key, entry, health, this.ownershipTtlMs, nowMs)) {
            draft.set(bucket, key, await this.makeTombstone(bucket, key, entry, nowMs))
            changed = true
          }
        }
      }
      return changed
    })
  }

  /**
   * Merge a block received from a peer (Go `Ledger.Update`). Off: adopt it whole if it is
   * higher (or equally high with a greater hash). Observe/enforce: merge entry by entry and make
   * a local block if anything changed. Never broadcasts and never rejects.
   */
  async merge (block: Block): Promise<MergeResult> {
    if (!isWellFormedBlock(block)) return refused('not a well-formed block')
    if (this.mode !== 'off') return this.mergeEntries(storageEntries(block.storage))
    return this.exclusive(async () => {
      if (!adoptsBlock(this.head, block)) return { blockAdded: false, changes: [], violations: [], malformed: 0 }
      const { changes } = this.install(block, 'remote')
      return { blockAdded: true, changes, violations: [], malformed: 0 }
    })
  }

  /** Decode a block's JSON (the gunzipped gossip payload) and {@link merge} it. */
  async mergeJson (json: string | Uint8Array): Promise<MergeResult> {
    let block: Block
    try {
      block = parseBlock(json)
    } catch (err) {
      return refused((err as Error).message)
    }
    return this.merge(block)
  }

  /**
   * Anti-entropy: merge individual entries with the same rules as a block merge in
   * observe/enforce mode. Refused when ownership is off, where only whole blocks converge.
   */
  async mergeEntries (entries: Iterable<KeyedEntry>): Promise<MergeResult> {
    if (this.mode === 'off') return refused('entry merge needs ownership mode observe or enforce')
    const mode = this.mode
    return this.exclusive(async () => {
      const result = await mergeIntoStorage(this.head.storage, entries, {
        mode, registry: this.registry, livenessTtlMs: this.ownershipTtlMs, nowMs: this.clock(), maxEntriesPerOwner: this.maxEntriesPerOwner
      })
      for (const v of result.violations) {
        if (!v.accepted) this.rejected.set(v.reason, (this.rejected.get(v.reason) ?? 0) + 1)
        // An older copy of an entry by its own owner is gossip lag (a peer relaying a block it
        // had before our last write), not an attempted violation: counted, not warned about.
        if (STALE_COPY.has(v.reason) && this.head.storage.get(v.bucket)?.get(v.key)?.owner === v.owner) continue
        const verdict = v.accepted ? 'observe, accepting' : 'rejected'
        this.warn(`ownership violation (${verdict}): ${v.bucket}/${v.key} from ${v.owner}: ${v.reason}`)
      }
      const blockAdded = result.changed.length > 0
      const changes = blockAdded ? this.install(newBlock(this.head, result.storage, this.clock()), 'remote').changes : []
      return { blockAdded, changes, violations: result.violations, malformed: result.malformed }
    })
  }

  /** How many received entries the ownership policy and the entry limit refused, by reason. */
  rejections (): ReadonlyMap<ViolationReason, number> {
    return new Map(this.rejected)
  }

  /** `bucket\0key` → digest of every stored entry (tombstones included). */
  entryDigests (): Map<string, string> {
    const out = new Map<string, string>()
    for (const { bucket, key, entry } of storageEntries(this.head.storage)) out.set(digestKey(bucket, key), entryDigest(entry))
    return out
  }

  /** The stored entries for digest map keys (unknown keys are skipped). */
  entriesFor (digestKeys: Iterable<string>): KeyedEntry[] {
    const out: KeyedEntry[] = []
    for (const digestMapKey of digestKeys) {
      const parsed = parseDigestKey(digestMapKey)
      const entry = parsed === undefined ? undefined : this.getEntry(parsed.bucket, parsed.key)
      if (parsed !== undefined && entry !== undefined) out.push({ ...parsed, entry })
    }
    return out
  }

  /** Go `IsOwnerLive`: always true when ownership is off, else whether `owner` has a fresh heartbeat. */
  isOwnerLive (owner: string): boolean {
    if (this.mode === 'off') return true
    return isLive(this.health(), owner, this.ownershipTtlMs, this.clock())
  }

  /** Go `AvailableNodes`: peers whose heartbeat is younger than `maxAgeMs`, in byte order. */
  availableNodes (maxAgeMs: number): string[] {
    const health = this.health()
    const now = this.clock()
    return [...health.keys()].filter(peer => isLive(health, peer, maxAgeMs, now)).sort(compareUtf8)
  }

  /**
   * Call `listener` for every visible change matching `filter`.
   *
   * @returns a function that stops the calls
   */
  watch (filter: WatchFilter, listener: (change: LedgerChange) => void): () => void {
    const watcher = { filter, listener }
    this.watchers.add(watcher)
    return () => { this.watchers.delete(watcher) }
  }

  /**
   * Where this ledger's change log stands: `epoch` is random per ledger instance (a restarted
   * node starts a new log), `seq` counts the stored entries that changed, locally or by merge.
   */
  changeCursor (): ChangeCursor {
    return { epoch: this.changeEpoch, seq: this.changeSeq }
  }

  /** The `bucket\0key`s of stored entries that changed after `seq` of this epoch's log. */
  changedSince (seq: number): string[] {
    const out: string[] = []
    for (const [key, at] of this.changedAt) if (at > seq) out.push(key)
    return out
  }

  /**
   * Call `listener` with each block made by a local mutation (`put`, `delete`, `deleteBucket`,
   * `reap`) and the entries it changed, for the network layer to publish. Merges make no such
   * block.
   *
   * @returns a function that stops the calls
   */
  onLocalBlock (listener: LocalBlockListener): () => void {
    this.localBlockListeners.add(listener)
    return () => { this.localBlockListeners.delete(listener) }
  }

  private health (): Map<string, string> {
    return liveValues(this.head.storage.get(BUCKETS.healthcheck))
  }

  /** Go `makeEntry`: unsigned without a signer; our unchanged signed entry is kept as it is. */
  private async makeEntry (bucket: string, key: string, value: string, previous: LedgerEntry | undefined, nowMs: number): Promise<LedgerEntry> {
    const signer = this.signer
    if (signer === undefined) return legacyEntry(value)
    if (previous !== undefined && previous.owner === signer.id && !previous.deleted && previous.value === value && previous.sig !== null) {
      return previous
    }
    return signEntry(signer, bucket, key, { value, deleted: false, ...versionFields(previous, nowMs) })
  }

  private async makeTombstone (bucket: string, key: string, previous: LedgerEntry, nowMs: number): Promise<LedgerEntry> {
    return signEntry(this.signer as EntrySigner, bucket, key, { value: '', deleted: true, ...versionFields(previous, nowMs) })
  }

  /** Run a local change on a draft of the current storage; commit and broadcast if it changed. */
  private async mutate (change: (draft: StorageDraft, nowMs: number) => Promise<boolean>): Promise<boolean> {
    return this.exclusive(async () => {
      const nowMs = this.clock()
      const draft = new StorageDraft(this.head.storage)
      if (!await change(draft, nowMs)) return false
      const block = newBlock(this.head, draft.result(), nowMs)
      const { changed } = this.install(block, 'local')
      for (const listener of this.localBlockListeners) {
        try {
          listener(block, changed)
        } catch (err) {
          this.warn(`ledger: local block listener failed: ${(err as Error).message}`)
        }
      }
      return true
    })
  }

  private install (block: Block, origin: LedgerChange['origin']): { changes: LedgerChange[], changed: KeyedEntry[] } {
    const previous: Storage = this.head.storage
    this.store.add(block)
    this.head = block
    const changed = changedEntries(previous, block.storage)
    for (const { bucket, key, entry } of changed) {
      const mapKey = digestKey(bucket, key)
      // delete first, so that the map stays in change order
      this.changedAt.delete(mapKey)
      if (entry !== undefined) this.changedAt.set(mapKey, ++this.changeSeq)
    }
    const changes = diffStorage(previous, block.storage, origin)
    for (const change of changes) this.notify(change)
    return { changes, changed: changed.filter((change): change is KeyedEntry => change.entry !== undefined) }
  }

  private notify (change: LedgerChange): void {
    for (const { filter, listener } of this.watchers) {
      if ((filter.bucket !== undefined && filter.bucket !== change.bucket) || (filter.key !== undefined && filter.key !== change.key)) continue
      try {
        listener(change)
      } catch (err) {
        this.warn(`ledger: watch listener failed: ${(err as Error).message}`)
      }
    }
  }

  /** Runs `task` after every earlier mutation has finished. */
  private async exclusive<T> (task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task)
    this.queue = run.catch(() => {})
    return run
  }
}

function versionFields (previous: LedgerEntry | undefined, nowMs: number): Pick<LedgerEntry, 'version' | 'updatedAt'> {
  const whole = Math.floor(nowMs)
  return {
    version: versionAfter(previous?.version ?? 0n, BigInt(whole) * 1_000_000n),
    updatedAt: BigInt(Math.floor(whole / 1000))
  }
}

function decodeValue (text: string | undefined): JsonValue | undefined {
  if (text === undefined) return undefined
  try {
    return parseJson(text)
  } catch {
    return undefined
  }
}

function refused (error: string): MergeResult {
  return { blockAdded: false, changes: [], violations: [], malformed: 0, error }
}
