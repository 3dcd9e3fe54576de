/**
 * A bound on the live entries one peer may hold in the owned buckets, so that a member cannot
 * grow every node's ledger (and every sync) without limit. Only owned buckets count: their
 * owners are verified signers, while an open bucket's owner field is whatever the sender wrote.
 */
import { policyFor } from './policy.js'
import type { LedgerEntry } from './entry.js'
import type { Registry } from './policy.js'
import type { Storage } from './storage.js'

export class OwnerQuota {
  readonly #max: number
  readonly #counts = new Map<string, number>()

  /** Counts the live entries of `storage` by owner. */
  constructor (storage: Storage, registry: Registry, max: number) {
    this.#max = max
    for (const [bucket, entries] of storage) {
      if (!policyFor(registry, bucket).owned) continue
      for (const entry of entries.values()) if (!entry.deleted) this.#add(entry.owner, 1)
    }
  }

  /** Whether `entry` may replace `existing`: false when it gives its owner one entry too many. */
  admits (entry: LedgerEntry, existing: LedgerEntry | undefined): boolean {
    return !this.#adds(entry, existing) || (this.#counts.get(entry.owner) ?? 0) < this.#max
  }

  /** Accounts for `entry` replacing `existing`. */
  record (entry: LedgerEntry, existing: LedgerEntry | undefined): void {
    if (existing !== undefined && !existing.deleted && (entry.deleted || existing.owner !== entry.owner)) this.#add(existing.owner, -1)
    if (this.#adds(entry, existing)) this.#add(entry.owner, 1)
  }

  #adds (entry: LedgerEntry, existing: LedgerEntry | undefined): boolean {
    return !entry.deleted && entry.owner !== '' && (existing === undefined || existing.deleted || existing.owner !== entry.owner)
  }

  #add (owner: string, delta: number): void {
    if (owner !== '') this.#counts.set(owner, (this.#counts.get(owner) ?? 0) + delta)
  }
}
