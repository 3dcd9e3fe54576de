/**
 * A ledger block: the whole current state plus Index, Timestamp and a SHA-256 hash chaining it
 * to its predecessor. Only the last block matters; it is what nodes gossip.
 */

import { createHash } from 'node:crypto'
import { decodeEntry, encodeEntry, isWellFormedEntry } from './entry.js'
import { decodingLedger, LedgerDecodeError } from './errors.js'
import { decodeInteger, decodeString, structFields, compareUtf8, decodeUtf8, JsonObject, parseJsonTree, quoteGoString, formatGoLocal, formatGoUtc } from '@edgevpn/go-compat'
import { EMPTY_STORAGE } from './storage.js'
import type { LedgerEntry } from './entry.js'
import type { JsonNode } from '@edgevpn/go-compat'
import type { Bucket, Storage } from './storage.js'

export interface Block {
  /** Height; genesis is 0. */
  readonly index: number
  /** Go `time.Time.String()` of the creation time. */
  readonly timestamp: string
  readonly storage: Storage
  /** Lowercase hex SHA-256 of the {@link checksumRecord}; received hashes are never verified. */
  readonly hash: string
  readonly prevHash: string
}

const BLOCK_FIELDS = ['Index', 'Timestamp', 'Storage', 'Hash', 'PrevHash'] as const

/**
 * The text Go hashes: `fmt.Sprint(Index, Timestamp, Storage, PrevHash)`. Maps print with keys in
 * byte order, entries as `{Value Owner Version UpdatedAt Deleted Sig}` with raw strings and the
 * signature as decimal bytes (`[]` when nil or empty).
 */
export function checksumRecord (block: Pick<Block, 'index' | 'timestamp' | 'storage' | 'prevHash'>): string {
  return `${block.index}${block.timestamp}${renderMap(block.storage, renderBucket)}${block.prevHash}`
}

/** `hex(sha256(checksumRecord(block)))`. */
export function checksum (block: Pick<Block, 'index' | 'timestamp' | 'storage' | 'prevHash'>): string {
  return createHash('sha256').update(checksumRecord(block), 'utf8').digest('hex')
}

function renderMap<V> (map: ReadonlyMap<string, V>, render: (value: V) => string): string {
  const keys = [...map.keys()].sort(compareUtf8)
  return `map[${keys.map(key => `${key}:${render(map.get(key) as V)}`).join(' ')}]`
}

function renderBucket (bucket: Bucket): string {
  return renderMap(bucket, renderEntry)
}

function renderEntry (e: LedgerEntry): string {
  return `{${e.value} ${e.owner} ${e.version} ${e.updatedAt} ${e.deleted} [${(e.sig ?? []).join(' ')}]}`
}

/** Hash of an empty block (`0map[]`): every node's genesis hash. */
export const GENESIS_HASH = checksum({ index: 0, timestamp: '', storage: EMPTY_STORAGE, prevHash: '' })

/**
 * The genesis block Go creates when its store is empty. Its timestamp is in the host's time zone
 * with Go's monotonic suffix; the hash does not cover it.
 */
export function genesisBlock (nowMs: number = Date.now(), monotonicMs: number = performance.now()): Block {
  return { index: 0, timestamp: formatGoLocal(nowMs, monotonicMs), storage: EMPTY_STORAGE, hash: GENESIS_HASH, prevHash: '' }
}

/** The block following `prev` holding `storage`, stamped with Go's UTC time text. */
export function newBlock (prev: Block, storage: Storage, nowMs: number = Date.now()): Block {
  const block = { index: prev.index + 1, timestamp: formatGoUtc(nowMs), storage, prevHash: prev.hash }
  return { ...block, hash: checksum(block) }
}

/** The block's JSON exactly as Go's `json.Marshal(Block)` writes it (the wire and disk form). */
export function encodeBlock (block: Block): string {
  const buckets = [...block.storage.keys()].sort(compareUtf8).map(name => {
    const bucket = block.storage.get(name) as Bucket
    const entries = [...bucket.keys()].sort(compareUtf8)
      .map(key => `${quoteGoString(key)}:${encodeEntry(bucket.get(key) as LedgerEntry)}`)
    return `${quoteGoString(name)}:{${entries.join(',')}}`
  })
  return `{"Index":${block.index},"Timestamp":${quoteGoString(block.timestamp)},"Storage":{${buckets.join(',')}},` +
    `"Hash":${quoteGoString(block.hash)},"PrevHash":${quoteGoString(block.prevHash)}}`
}

/**
 * Decode a block like Go's `json.Unmarshal(&Block)`: any malformed entry rejects the whole
 * block, as in Go. A `null` Storage or bucket decodes as empty.
 *
 * @throws LedgerDecodeError naming the first problem
 */
export function parseBlock (json: string | Uint8Array): Block {
  let node: JsonNode
  try {
    node = parseJsonTree(typeof json === 'string' ? json : decodeUtf8(json))
  } catch (err) {
    throw new LedgerDecodeError((err as Error).message)
  }
  if (node === null) return { index: 0, timestamp: '', storage: EMPTY_STORAGE, hash: '', prevHash: '' }
  if (!(node instanceof JsonObject)) throw new LedgerDecodeError('a block must be a JSON object')
  const fields = structFields(node, BLOCK_FIELDS)
  return decodingLedger(() => {
    const index = decodeInteger(fields.Index, 'Index', 64, true)
    if (index < BigInt(Number.MIN_SAFE_INTEGER) || index > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new LedgerDecodeError(`Index ${index} is beyond 2^53`)
    }
    return {
      index: Number(index),
      timestamp: decodeString(fields.Timestamp, 'Timestamp'),
      storage: decodeStorage(fields.Storage),
      hash: decodeString(fields.Hash, 'Hash'),
      prevHash: decodeString(fields.PrevHash, 'PrevHash')
    }
  })
}

function decodeStorage (node: JsonNode | undefined): Storage {
  const storage = new Map<string, Bucket>()
  for (const [name, bucketNode] of objectMembers(node, 'Storage')) {
    const bucket = new Map<string, LedgerEntry>()
    for (const [key, entryNode] of objectMembers(bucketNode, `Storage.${name}`)) {
      try {
        bucket.set(key, decodeEntry(entryNode))
      } catch (err) {
        throw new LedgerDecodeError(`Storage.${name}.${key}: ${(err as Error).message}`)
      }
    }
    storage.set(name, bucket)
  }
  return storage
}

function objectMembers (node: JsonNode | undefined, field: string): ReadonlyArray<readonly [string, JsonNode]> {
  if (node === undefined || node === null) return []
  if (!(node instanceof JsonObject)) throw new LedgerDecodeError(`${field} must be a JSON object`)
  return node.members
}

/** Whether `block` has the shape of a decoded block (for blocks built by callers, not parsed). */
export function isWellFormedBlock (block: unknown): block is Block {
  if (typeof block !== 'object' || block === null) return false
  const b = block as Record<string, unknown>
  if (!Number.isSafeInteger(b.index) || typeof b.timestamp !== 'string' || typeof b.hash !== 'string' ||
    typeof b.prevHash !== 'string' || !(b.storage instanceof Map)) return false
  for (const [name, bucket] of b.storage) {
    if (typeof name !== 'string' || !(bucket instanceof Map)) return false
    for (const [key, entry] of bucket) {
      if (typeof key !== 'string' || !isWellFormedEntry(entry)) return false
    }
  }
  return true
}
