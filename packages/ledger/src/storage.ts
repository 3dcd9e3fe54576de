/**
 * The ledger state carried by a block: bucket → key → entry. Blocks share unchanged buckets, so a
 * storage value is never mutated after it was put in a block; changes go through a
 * {@link StorageDraft}, which copies a bucket the first time it is written.
 */

import type { LedgerEntry } from './entry.js'

export type Bucket = ReadonlyMap<string, LedgerEntry>
export type Storage = ReadonlyMap<string, Bucket>

export const EMPTY_STORAGE: Storage = new Map()

/** Copy-on-write edits of a {@link Storage}; `result()` returns the new storage. */
export class StorageDraft {
  private readonly buckets: Map<string, Bucket>
  private readonly copied = new Set<string>()

  constructor (base: Storage) {
    this.buckets = new Map(base)
  }

  get (bucket: string, key: string): LedgerEntry | undefined {
    return this.buckets.get(bucket)?.get(key)
  }

  bucket (bucket: string): Bucket | undefined {
    return this.buckets.get(bucket)
  }

  bucketNames (): string[] {
    return [...this.buckets.keys()]
  }

  /** Go creates the bucket map on first touch; an empty bucket is kept and hashed (`b:map[]`). */
  ensureBucket (bucket: string): void {
    this.writable(bucket)
  }

  set (bucket: string, key: string, entry: LedgerEntry): void {
    this.writable(bucket).set(key, entry)
  }

  /** Removes the key but keeps the (possibly now empty) bucket, as Go's legacy `Delete` does. */
  delete (bucket: string, key: string): void {
    if (this.buckets.get(bucket)?.has(key) === true) this.writable(bucket).delete(key)
  }

  deleteBucket (bucket: string): void {
    this.buckets.delete(bucket)
    this.copied.delete(bucket)
  }

  result (): Storage {
    return new Map(this.buckets)
  }

  private writable (bucket: string): Map<string, LedgerEntry> {
    const current = this.buckets.get(bucket)
    if (current !== undefined && this.copied.has(bucket)) return current as Map<string, LedgerEntry>
    const copy = new Map(current)
    this.buckets.set(bucket, copy)
    this.copied.add(bucket)
    return copy
  }
}
