/** What readers see change between two storages: live values appearing, changing or vanishing. */

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

/**
 * The visible differences from `before` to `after` (tombstones count as absent). Buckets shared
 * by both storages are skipped, so a copy-on-write commit costs only the buckets it touched.
 */
export function diffStorage (before: Storage, after: Storage, origin: LedgerChange['origin']): LedgerChange[] {
  const changes: LedgerChange[] = []
  const names = new Set([...before.keys(), ...after.keys()])
  for (const bucket of names) {
    const old = before.get(bucket)
    const next = after.get(bucket)
    if (old === next) continue
    const keys = new Set([...(old?.keys() ?? []), ...(next?.keys() ?? [])])
    for (const key of keys) {
      const was = old?.get(key)
      const now = next?.get(key)
      const oldValue = was === undefined || was.deleted ? undefined : was.value
      const newValue = now === undefined || now.deleted ? undefined : now.value
      if (oldValue === newValue) continue
      changes.push({ bucket, key, value: newValue, deleted: newValue === undefined, origin })
    }
  }
  return changes
}
