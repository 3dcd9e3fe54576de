/**
 * Entry signatures: the owner signs the canonical bytes of (bucket, key, entry) with its libp2p
 * identity key; anyone verifies with the public key embedded in the owner's peer ID.
 */

import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import type { PrivateKey } from '@libp2p/interface'
import type { LedgerEntry } from './entry.js'

const U64_MASK = (1n << 64n) - 1n

/**
 * The signed byte string: length-prefixed (u64 big-endian) bucket, key and owner text, then
 * u64 Version, UpdatedAt (int64 as two's complement), one Deleted byte and the length-prefixed
 * Value text.
 */
export function canonicalBytes (bucket: string, key: string, entry: Pick<LedgerEntry, 'owner' | 'version' | 'updatedAt' | 'deleted' | 'value'>): Uint8Array {
  const parts = [bucket, key, entry.owner].map(text => Buffer.from(text, 'utf8'))
  const value = Buffer.from(entry.value, 'utf8')
  const out = Buffer.alloc(parts.reduce((sum, part) => sum + 8 + part.length, 0) + 17 + 8 + value.length)
  let offset = 0
  const writeField = (bytes: Buffer): void => {
    out.writeBigUInt64BE(BigInt(bytes.length), offset)
    bytes.copy(out, offset + 8)
    offset += 8 + bytes.length
  }
  parts.forEach(writeField)
  out.writeBigUInt64BE(entry.version & U64_MASK, offset)
  out.writeBigUInt64BE(entry.updatedAt & U64_MASK, offset + 8)
  out[offset + 16] = entry.deleted ? 1 : 0
  offset += 17
  writeField(value)
  return new Uint8Array(out.buffer, out.byteOffset, out.length)
}

/** The next version of a key: `max(prev + 1, now in Unix nanoseconds)` (survives restarts). */
export function versionAfter (prev: bigint, nowNs: bigint): bigint {
  const next = prev + 1n
  return nowNs > next ? nowNs : next
}

/** Signs ledger entries as one peer. */
export interface EntrySigner {
  /** Base58 peer ID written as `Owner`. */
  readonly id: string
  sign (bytes: Uint8Array): Promise<Uint8Array>
}

/** A signer for `privateKey` whose owner ID is the key's peer ID. */
export function entrySigner (privateKey: PrivateKey): EntrySigner {
  return {
    id: peerIdFromPrivateKey(privateKey).toString(),
    sign: async (bytes) => privateKey.sign(bytes)
  }
}

/** Build a signed entry authored by `signer`. */
export async function signEntry (signer: EntrySigner, bucket: string, key: string,
  fields: Pick<LedgerEntry, 'value' | 'version' | 'updatedAt' | 'deleted'>): Promise<LedgerEntry> {
  const unsigned = { ...fields, owner: signer.id }
  return { ...unsigned, sig: await signer.sign(canonicalBytes(bucket, key, unsigned)) }
}

/**
 * Whether `entry.sig` is a valid signature of its canonical bytes by the key embedded in
 * `entry.owner`. Any failure (unparsable owner, peer ID without an embedded key, wrong
 * signature length) is `false`, never an exception.
 */
export async function verifyEntry (bucket: string, key: string, entry: LedgerEntry): Promise<boolean> {
  if (entry.sig === null || entry.owner === '') return false
  try {
    const publicKey = peerIdFromString(entry.owner).publicKey
    if (publicKey === undefined) return false
    return await publicKey.verify(canonicalBytes(bucket, key, entry), entry.sig)
  } catch {
    return false
  }
}
