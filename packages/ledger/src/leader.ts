/** Deterministic leader election over a list of peer IDs (Go `utils.Leader`). */

const FNV_OFFSET = 0x811c9dc5
const FNV_PRIME = 0x01000193

/** 32-bit FNV-1a of the UTF-8 bytes of `text`. */
export function fnv1a32 (text: string): number {
  let hash = FNV_OFFSET
  for (const byte of Buffer.from(text, 'utf8')) {
    hash = Math.imul(hash ^ byte, FNV_PRIME) >>> 0
  }
  return hash
}

/**
 * The element with the largest FNV-1a hash; on equal hashes the earlier element wins.
 *
 * @returns undefined for an empty list (Go panics there)
 */
export function leader (candidates: readonly string[]): string | undefined {
  let best: string | undefined
  let bestHash = -1
  for (const candidate of candidates) {
    const hash = fnv1a32(candidate)
    if (hash > bestHash) {
      best = candidate
      bestHash = hash
    }
  }
  return best
}
