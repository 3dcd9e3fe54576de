/**
 * An LRU cache of forwarded answers that honours TTLs: an entry expires at the smallest TTL of
 * its records (or its negative-caching TTL), and served records carry their remaining TTL.
 * (Go edgevpn's cache keeps entries until the LRU evicts them.)
 */

import { lowerName } from './names.js'
import type { DnsQuestion, DnsRecord } from './wire.js'

export interface CachedAnswer {
  readonly rcode: number
  readonly answers: DnsRecord[]
  readonly authorities: DnsRecord[]
}

interface Entry extends CachedAnswer {
  readonly storedAt: number
  readonly expiresAt: number
}

/** Key of a question: name lowercased, type and class. */
export function questionKey (question: DnsQuestion): string {
  return `${Buffer.from(lowerName(question.name)).toString('latin1')}/${question.type}/${question.class}`
}

export class AnswerCache {
  private readonly capacity: number
  private readonly clock: () => number
  private readonly entries = new Map<string, Entry>()

  /**
   * @param capacity - entries kept at most (0 disables the cache)
   * @param clock - milliseconds
   */
  constructor (capacity: number, clock: () => number) {
    this.capacity = capacity
    this.clock = clock
  }

  get size (): number {
    return this.entries.size
  }

  /** The answer with TTLs lowered by the time spent in the cache, or undefined if absent or expired. */
  get (key: string): CachedAnswer | undefined {
    const entry = this.entries.get(key)
    if (entry === undefined) return undefined
    const now = this.clock()
    this.entries.delete(key)
    if (now >= entry.expiresAt) return undefined
    this.entries.set(key, entry)
    const elapsed = Math.floor((now - entry.storedAt) / 1000)
    const age = (record: DnsRecord): DnsRecord => ({ ...record, ttl: Math.max(0, record.ttl - elapsed) })
    return { rcode: entry.rcode, answers: entry.answers.map(age), authorities: entry.authorities.map(age) }
  }

  /** Keep `answer` for `ttlSeconds` (nothing is kept for 0). */
  set (key: string, answer: CachedAnswer, ttlSeconds: number): void {
    if (this.capacity <= 0 || ttlSeconds <= 0) return
    const now = this.clock()
    this.entries.delete(key)
    this.entries.set(key, { ...answer, storedAt: now, expiresAt: now + ttlSeconds * 1000 })
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.capacity) break
      this.entries.delete(oldest)
    }
  }
}
