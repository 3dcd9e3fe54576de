/**
 * How a node folds state received from peers into its own (Go `Ledger.Update`): whole-block
 * replacement when ownership is off, a per-entry authorised merge in observe/enforce mode.
 */

import { isWellFormedEntry, sameEntry } from './entry.js'
import { OwnerQuota } from './owner-quota.js'
import { compareUtf8 } from '@edgevpn/go-compat'
import { BUCKETS, isExpired, liveValues, ownerOfEntry, policyFor } from './policy.js'
import { verifyEntry } from './signing.js'
import { StorageDraft } from './storage.js'
import type { Block } from './block.js'
import type { LedgerEntry } from './entry.js'
import type { BucketPolicy, Registry } from './policy.js'
import type { Storage } from './storage.js'

/** Why an incoming entry for an owned bucket violates the ownership policy (Go's wording). */
export type ViolationReason =
  | 'invalid signature'
  | 'tombstone for unknown key'
  | 'tombstone by non-owner of a live entry'
  | 'stale tombstone'
  | 'value owner does not match signer'
  | 'stale re-claim over tombstone'
  | 'overwrite of a live entry owned by another peer'
  | 'rollback to an older version'
  | 'lost deterministic tie-break'
  /** not in Go: the owner already holds `maxEntriesPerOwner` live entries (see OwnerQuota) */
  | 'entry limit of the owner reached'

export interface KeyedEntry {
  readonly bucket: string
  readonly key: string
  readonly entry: LedgerEntry
}

export interface Violation {
  readonly bucket: string
  readonly key: string
  /** The Owner the incoming entry claims (`''` for unsigned entries). */
  readonly owner: string
  readonly reason: ViolationReason
  /** true in observe mode (taken anyway), false in enforce mode (dropped). */
  readonly accepted: boolean
}

export interface EntryMergeOptions {
  readonly mode: 'observe' | 'enforce'
  readonly registry: Registry
  /** Heartbeat window for `liveness` expiry, in milliseconds. */
  readonly livenessTtlMs: number
  readonly nowMs: number
  /**
   * Most live entries one owner may hold in the owned buckets; entries beyond are violations.
   * @default unlimited
   */
  readonly maxEntriesPerOwner?: number
}

export interface EntryMergeResult {
  /** The merged storage (the input object itself when nothing changed). */
  readonly storage: Storage
  /** Entries taken from the input, in input order. */
  readonly changed: KeyedEntry[]
  readonly violations: Violation[]
  /** Inputs dropped because they were not a well-formed bucket, key and entry. */
  readonly malformed: number
}

/** Every entry of a storage, tombstones included. */
export function storageEntries (storage: Storage): KeyedEntry[] {
  const out: KeyedEntry[] = []
  for (const [bucket, entries] of storage) {
    for (const [key, entry] of entries) out.push({ bucket, key, entry })
  }
  return out
}

/**
 * Off mode: a received block replaces ours iff it is higher, or equally high with a hash that
 * sorts after ours (plain byte-wise string comparison, as Go does).
 */
export function adoptsBlock (last: Block, incoming: Block): boolean {
  return incoming.index > last.index || (incoming.index === last.index && compareUtf8(incoming.hash, last.hash) > 0)
}

/**
 * Merge entries into `current` under the ownership policy. Open buckets take an entry that is new
 * or has a strictly higher version (no signature check); owned buckets run {@link acceptEntry}.
 * Never throws on bad input: malformed items are counted and skipped.
 */
export async function mergeEntries (current: Storage, incoming: Iterable<unknown>, options: EntryMergeOptions): Promise<EntryMergeResult> {
  // heartbeats as they were before this merge, as in Go
  const health = liveValues(current.get(BUCKETS.healthcheck))
  const draft = new StorageDraft(current)
  const changed: KeyedEntry[] = []
  const violations: Violation[] = []
  const quota = options.maxEntriesPerOwner === undefined ? undefined : new OwnerQuota(current, options.registry, options.maxEntriesPerOwner)
  let malformed = 0

  for (const item of incoming) {
    if (!isKeyedEntry(item)) {
      malformed++
      continue
    }
    const { bucket, key, entry } = item
    draft.ensureBucket(bucket)
    const existing = draft.get(bucket, key)
    if (existing !== undefined && sameEntry(existing, entry)) continue

    const policy = policyFor(options.registry, bucket)
    if (!policy.owned) {
      if (existing === undefined || entry.version > existing.version) {
        draft.set(bucket, key, entry)
        changed.push(item)
      }
      continue
    }

    let reason = await acceptEntry({ bucket, key, entry, existing, policy, health, ...options })
    if (reason === undefined && quota?.admits(entry, existing) === false) reason = 'entry limit of the owner reached'
    if (reason !== undefined) {
      const accepted = options.mode === 'observe'
      violations.push({ bucket, key, owner: entry.owner, reason, accepted })
      if (!accepted) continue
    }
    quota?.record(entry, existing)
    draft.set(bucket, key, entry)
    changed.push(item)
  }
  return { storage: changed.length > 0 ? draft.result() : current, changed, violations, malformed }
}

interface AcceptContext {
  readonly bucket: string
  readonly key: string
  readonly entry: LedgerEntry
  readonly existing: LedgerEntry | undefined
  readonly policy: BucketPolicy
  readonly health: ReadonlyMap<string, string>
  readonly livenessTtlMs: number
  readonly nowMs: number
}

/** Go `accept`: undefined when the entry may replace `existing`, else the first failed rule. */
async function acceptEntry (c: AcceptContext): Promise<ViolationReason | undefined> {
  const { bucket, key, entry, existing, policy } = c
  if (!await verifyEntry(bucket, key, entry)) return 'invalid signature'
  const ownedByOtherLivePeer = (ex: LedgerEntry): boolean =>
    entry.owner !== ownerOfEntry(policy, key, ex) && !isExpired(policy, key, ex, c.health, c.livenessTtlMs, c.nowMs)

  if (entry.deleted) {
    if (existing === undefined) return 'tombstone for unknown key'
    if (ownedByOtherLivePeer(existing)) return 'tombstone by non-owner of a live entry'
    return entry.version <= existing.version ? 'stale tombstone' : undefined
  }
  if (policy.ownerOf !== undefined && policy.ownerOf(key, entry.value) !== entry.owner) return 'value owner does not match signer'
  if (existing === undefined) return undefined
  if (existing.deleted) return entry.version > existing.version ? undefined : 'stale re-claim over tombstone'
  if (ownedByOtherLivePeer(existing)) return 'overwrite of a live entry owned by another peer'
  if (entry.version < existing.version) return 'rollback to an older version'
  if (entry.version === existing.version) {
    const byOwner = compareUtf8(entry.owner, existing.owner)
    const wins = byOwner > 0 ||
      (byOwner === 0 && Buffer.compare(entry.sig ?? EMPTY, existing.sig ?? EMPTY) > 0)
    return wins ? undefined : 'lost deterministic tie-break'
  }
  return undefined
}

const EMPTY = new Uint8Array(0)

function isKeyedEntry (item: unknown): item is KeyedEntry {
  if (typeof item !== 'object' || item === null) return false
  const { bucket, key, entry } = item as Record<string, unknown>
  return typeof bucket === 'string' && typeof key === 'string' && isWellFormedEntry(entry)
}
