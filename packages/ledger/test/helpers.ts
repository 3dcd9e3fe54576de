import { generateKeyPair } from '@libp2p/crypto/keys'
import { encodeBlock, entrySigner, Ledger, newBlock, signEntry } from '../src/index.js'
import { encodeGoJson } from '@edgevpn/go-compat'
import type { EntrySigner, LedgerEntry, LedgerInit } from '../src/index.js'
import type { PrivateKey } from '@libp2p/interface'

export const NOW_MS = Date.UTC(2026, 0, 1)
export const NOW_S = BigInt(NOW_MS / 1000)

export interface TestPeer {
  key: PrivateKey
  signer: EntrySigner
  id: string
}

export async function newPeer (): Promise<TestPeer> {
  const key = await generateKeyPair('Ed25519')
  const signer = entrySigner(key)
  return { key, signer, id: signer.id }
}

/** A signed entry as Go's test helper `mkSignedEntry` builds it. */
export async function signedEntry (peer: TestPeer, bucket: string, key: string, value: unknown, version: bigint,
  nowMs: number = NOW_MS): Promise<LedgerEntry> {
  return signEntry(peer.signer, bucket, key, {
    value: encodeGoJson(value), version, updatedAt: BigInt(Math.floor(nowMs / 1000)), deleted: false
  })
}

export async function tombstone (peer: TestPeer, bucket: string, key: string, version: bigint, nowMs: number = NOW_MS): Promise<LedgerEntry> {
  return signEntry(peer.signer, bucket, key, { value: '', version, updatedAt: BigInt(Math.floor(nowMs / 1000)), deleted: true })
}

type Entries = Record<string, Record<string, LedgerEntry>>

export function storageOf (entries: Entries): Map<string, Map<string, LedgerEntry>> {
  return new Map(Object.entries(entries).map(([bucket, keys]) => [bucket, new Map(Object.entries(keys))]))
}

/** Go's test `feed`: wrap entries in a block after ours and deliver it as wire JSON. */
export async function feed (ledger: Ledger, entries: Entries): ReturnType<Ledger['mergeJson']> {
  return ledger.mergeJson(encodeBlock(newBlock(ledger.lastBlock(), storageOf(entries), NOW_MS)))
}

export async function heartbeat (ledger: Ledger, peer: TestPeer, nowMs: number = NOW_MS): Promise<void> {
  const at = new Date(Math.floor(nowMs / 1000) * 1000).toISOString().replace('.000Z', 'Z')
  await feed(ledger, { healthcheck: { [peer.id]: await signedEntry(peer, 'healthcheck', peer.id, at, 1n, nowMs) } })
}

export function machine (peerId: string, address: string): Record<string, string> {
  return { PeerID: peerId, Address: address }
}

export function enforcedLedger (init: Partial<LedgerInit> = {}): { ledger: Ledger, warnings: string[] } {
  const warnings: string[] = []
  const ledger = new Ledger({
    mode: 'enforce', ownershipTtlMs: 60_000, clock: () => NOW_MS, warn: (message) => { warnings.push(message) }, ...init
  })
  return { ledger, warnings }
}
