/** What changed between two storages: for readers (visible values) and for the network (stored entries). */

import { sameEntry } from './entry.js'
import type { LedgerEntry } from './entry.js'
import type { Storage } from './storage.js'

export interface LedgerChange {
  readonly bucket: string
  readonly key: string
  /** The new Value JSON text; undefined when the key was deleted. */
  readonly value: string | undefined
  readonly deleted: boolean
  /** `local` for this node's writes and reaps, `remote` for merged peer state. */
  readonly origin: 'local' | 'remote'
}

/** A stored entry that differs between two storages; `entry` is undefined where the key was removed. */
export interface StoredChange {
  readonly bucket: string
  readonly key: string
  readonly entry: LedgerEntry | undefined
}

/**
 * Calls `visit` for every key whose stored entry differs from `before` to `after`. Buckets
 * shared by both storages are skipped, so a copy-on-write commit costs only the buckets it touched.
 */
function forEachChangedKey (before: Storage, after: Storage, visit: (bucket: string, key: string, was: LedgerEntry | undefined, now: LedgerEntry | undefined) => void): void {
  for (const bucket of new Set([...before.keys(), ...after.keys()])) {
    const old = before.get(bucket)
    const next = after.get(bucket)
    if (old === next) continue
    for (const key of new Set([...(old?.keys() ?? []), ...(next?.keys() ?? [])])) {
      const was = old?.get(key)
      const now = next?.get(key)
      if (was !== now) visit(bucket, key, was, now)
    }
  }
}

/** The visible differences from `before` to `after` (tombstones count as absent). */
export function diffStorage (before: Storage, after: Storage, origin: LedgerChange['origin']): LedgerChange[] {
  const changes: LedgerChange[] = []
  forEachChangedKey(before, after, (bucket, key, was, now) => {
    const oldValue = was === undefined || was.deleted ? undefined : was.value
    const newValue = now === undefined || now.deleted ? undefined : now.value
    if (oldValue !== newValue) changes.push({ bucket, key, value: newValue, deleted: newValue === undefined, origin })
  })
  return changes
}

/** The stored entries that differ from `before` to `after`, tombstones included. */
export function changedEntries (before: Storage, after: Storage): StoredChange[] {
  const out: StoredChange[] = []
  forEachChangedKey(before, after, (bucket, key, was, now) => {
    if (was === undefined || now === undefined || !sameEntry(was, now)) out.push({ bucket, key, entry: now })
  })
  return out
}
