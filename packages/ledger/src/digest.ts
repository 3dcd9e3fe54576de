/**
 * Short per-entry digests for anti-entropy: peers compare `bucket\0key → digest` maps and fetch
 * only the entries that are missing or different.
 */

import { createHash } from 'node:crypto'
import { encodeEntry } from './entry.js'
import type { LedgerEntry } from './entry.js'

const SEPARATOR = '\u0000'

/** The digest map key of an entry. Buckets containing NUL cannot be told apart; none exist. */
export function digestKey (bucket: string, key: string): string {
  return bucket + SEPARATOR + key
}

/** The bucket and key of a digest map key (split at the first NUL), or undefined. */
export function parseDigestKey (digestMapKey: string): { bucket: string, key: string } | undefined {
  const at = digestMapKey.indexOf(SEPARATOR)
  if (at === -1) return undefined
  return { bucket: digestMapKey.slice(0, at), key: digestMapKey.slice(at + 1) }
}

const cache = new WeakMap<LedgerEntry, string>()

/** First 16 bytes (hex) of SHA-256 over the entry's wire JSON; entries are immutable, so it is cached. */
export function entryDigest (entry: LedgerEntry): string {
  let digest = cache.get(entry)
  if (digest === undefined) {
    digest = createHash('sha256').update(encodeEntry(entry), 'utf8').digest('hex').slice(0, 32)
    cache.set(entry, digest)
  }
  return digest
}
