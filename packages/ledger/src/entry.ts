/**
 * One ledger entry (Go `SignedData`) and its two JSON forms: the legacy bare string of the Value
 * text, and the signed object `{"Value","Owner","Version","UpdatedAt","Deleted","Sig"}`.
 */

import { encodeStdBase64, decodeBool, decodeBytes, decodeInteger, decodeString, structFields, JsonObject, parseJsonTree, quoteGoString } from '@edgevpn/go-compat'
import { decodingLedger, LedgerDecodeError } from './errors.js'
import type { JsonNode } from '@edgevpn/go-compat'

export interface LedgerEntry {
  /** The stored value's JSON text, kept byte-for-byte (it is what the signature covers). */
  readonly value: string
  /** Base58 peer ID of the author; `''` for legacy unsigned entries. */
  readonly owner: string
  /** Per-key version (uint64, about Unix nanoseconds for signed writes). */
  readonly version: bigint
  /** Unix seconds at write time (int64). */
  readonly updatedAt: bigint
  /** Tombstone flag: the key was deleted by `owner`. */
  readonly deleted: boolean
  /** Signature over the canonical bytes; `null` (Go nil) and an empty array are kept apart. */
  readonly sig: Uint8Array | null
}

const FIELDS = ['Value', 'Owner', 'Version', 'UpdatedAt', 'Deleted', 'Sig'] as const

/** An unsigned entry holding `value` (the legacy wire form). */
export function legacyEntry (value: string): LedgerEntry {
  return { value, owner: '', version: 0n, updatedAt: 0n, deleted: false, sig: null }
}

/** Go writes an entry as a bare string iff it is unsigned, unversioned and not a tombstone. */
export function isLegacyForm (entry: LedgerEntry): boolean {
  return entry.owner === '' && entry.sig === null && !entry.deleted && entry.version === 0n
}

/** The entry's JSON exactly as Go's `SignedData.MarshalJSON` writes it. */
export function encodeEntry (entry: LedgerEntry): string {
  if (isLegacyForm(entry)) return quoteGoString(entry.value)
  const sig = entry.sig === null ? 'null' : `"${encodeStdBase64(entry.sig)}"`
  return `{"Value":${quoteGoString(entry.value)},"Owner":${quoteGoString(entry.owner)},` +
    `"Version":${entry.version},"UpdatedAt":${entry.updatedAt},"Deleted":${entry.deleted},"Sig":${sig}}`
}

/**
 * Decode an entry from its JSON tree like Go's `SignedData.UnmarshalJSON`: an object is the
 * signed form (case-insensitive member names, unknown members ignored), `null` is an empty
 * legacy entry, a string is a legacy entry; anything else is an error.
 *
 * @throws LedgerDecodeError when Go's decoder would fail
 */
export function decodeEntry (node: JsonNode): LedgerEntry {
  if (node === null) return legacyEntry('')
  if (typeof node === 'string') return legacyEntry(node)
  if (!(node instanceof JsonObject)) throw new LedgerDecodeError('an entry must be a JSON string or object')
  const fields = structFields(node, FIELDS)
  return decodingLedger(() => ({
    value: decodeString(fields.Value, 'Value'),
    owner: decodeString(fields.Owner, 'Owner'),
    version: decodeInteger(fields.Version, 'Version', 64, false),
    updatedAt: decodeInteger(fields.UpdatedAt, 'UpdatedAt', 64, true),
    deleted: decodeBool(fields.Deleted, 'Deleted'),
    sig: decodeBytes(fields.Sig, 'Sig')
  }))
}

/**
 * Decode an entry from JSON text.
 *
 * @throws LedgerDecodeError on malformed text or fields
 */
export function parseEntry (text: string): LedgerEntry {
  let node: JsonNode
  try {
    node = parseJsonTree(text)
  } catch (err) {
    throw new LedgerDecodeError((err as Error).message)
  }
  return decodeEntry(node)
}

/** All six fields equal (Go `sameEntry`): a re-broadcast of what we already hold. */
export function sameEntry (a: LedgerEntry, b: LedgerEntry): boolean {
  return a === b || (a.owner === b.owner && a.version === b.version && a.updatedAt === b.updatedAt &&
    a.deleted === b.deleted && a.value === b.value && sameSig(a.sig, b.sig))
}

function sameSig (a: Uint8Array | null, b: Uint8Array | null): boolean {
  // Go's bytes.Equal treats nil and empty as equal
  return Buffer.compare(a ?? EMPTY, b ?? EMPTY) === 0
}

const EMPTY = new Uint8Array(0)

const U64_MAX = (1n << 64n) - 1n
const I64_MIN = -(1n << 63n)
const I64_MAX = (1n << 63n) - 1n

/**
 * Whether `entry` has the shape and ranges of a Go `SignedData`; the merge drops entries that
 * do not (they can only come from a caller that built them by hand).
 */
export function isWellFormedEntry (entry: unknown): entry is LedgerEntry {
  if (typeof entry !== 'object' || entry === null) return false
  const e = entry as Record<string, unknown>
  return typeof e.value === 'string' && typeof e.owner === 'string' && typeof e.deleted === 'boolean' &&
    typeof e.version === 'bigint' && e.version >= 0n && e.version <= U64_MAX &&
    typeof e.updatedAt === 'bigint' && e.updatedAt >= I64_MIN && e.updatedAt <= I64_MAX &&
    (e.sig === null || e.sig instanceof Uint8Array)
}
