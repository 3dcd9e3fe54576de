/**
 * @packageDocumentation
 *
 * The shared ledger of an edgevpn mesh, wire-compatible with Go edgevpn: blocks carrying the
 * whole key/value state, entries signed by their owner's libp2p key, the ownership merge rules
 * (off / observe / enforce), the reaper and leader election, block stores (memory, and the Go
 * `--ledger-state` directory layout), and the network: a sealed gossip hub on the rotating OTP
 * topic, `LedgerSync` (Go's full-block gossip while a Go peer listens, otherwise gossip of the
 * changed entries, and a pull protocol that sends only what changed since the last pull), Go's
 * announce loops, and the alive service.
 *
 * @example
 *
 * ```ts
 * import { Ledger, LedgerSync } from '@edgevpn/ledger'
 * import { createMeshHost, decodeToken } from '@edgevpn/mesh-core'
 * import { generateKeyPair } from '@libp2p/crypto/keys'
 *
 * const network = decodeToken(process.env.EDGEVPNTOKEN ?? '')
 * const privateKey = await generateKeyPair('Ed25519')
 * const host = await createMeshHost({ privateKey })
 * const ledger = new Ledger({ mode: 'enforce', signer: privateKey })
 * const sync = new LedgerSync({ libp2p: host.libp2p, ledger }, { network })   // publishes the ledger's local blocks
 * await sync.start()
 * ledger.watch({ bucket: 'machines' }, (change) => { console.log(change.key, change.value) })
 * await ledger.put('services', 'web', { PeerID: ledger.ownerId, Name: 'web' })
 * ```
 */

export { Ledger, DEFAULT_OWNERSHIP_TTL_MS } from './ledger.js'
export type { ChangeCursor, LedgerInit, LocalBlockListener, MergeResult, WatchFilter } from './ledger.js'
export type { LedgerChange } from './changes.js'
export { checksum, checksumRecord, encodeBlock, parseBlock, genesisBlock, newBlock, isWellFormedBlock, GENESIS_HASH } from './block.js'
export type { Block } from './block.js'
export { legacyEntry, isLegacyForm, encodeEntry, decodeEntry, parseEntry, sameEntry, isWellFormedEntry } from './entry.js'
export type { LedgerEntry } from './entry.js'
export type { Storage, Bucket } from './storage.js'
export { canonicalBytes, versionAfter, entrySigner, signEntry, verifyEntry } from './signing.js'
export type { EntrySigner } from './signing.js'
export { parseOwnershipMode } from './ownership.js'
export type { OwnershipMode } from './ownership.js'
export {
  BUCKETS, OPEN_BUCKET, defaultRegistry, policyFor, ownerIsKey, ownerFromPeerIdField, liveValues, isLive,
  heartbeatTime, ownerOfEntry, isExpired
} from './policy.js'
export type { BucketPolicy, ExpiryKind, Registry } from './policy.js'
export { mergeEntries, adoptsBlock, storageEntries } from './merge.js'
export type { KeyedEntry, Violation, ViolationReason, EntryMergeOptions, EntryMergeResult } from './merge.js'
export { digestKey, parseDigestKey, entryDigest } from './digest.js'
export { leader, fnv1a32 } from './leader.js'
export type { BlockStore } from './store.js'
export { MemoryBlockStore } from './store-memory.js'
export { DiskBlockStore } from './store-disk.js'
export type { DiskBlockStoreInit } from './store-disk.js'
export { LedgerDecodeError, InvalidOwnershipModeError } from './errors.js'
export { seal, unseal, sealBytes, openBytes, decodeHexPrefix } from './sealer.js'
export { SealKeyring } from './seal-keys.js'
export type { SealKeyringInit } from './seal-keys.js'
export { encodeEnvelope, decodeEnvelope, EnvelopeDecodeError } from './envelope.js'
export type { GossipEnvelope } from './envelope.js'
export { encodeBlockPayload, gunzipBounded, PayloadDecodeError } from './block-payload.js'
export { GossipHub, MessageDropError } from './gossip-hub.js'
export type { GossipHubComponents, GossipHubInit, GossipHubStats, HubHandler, HubMessage, DropReason } from './gossip-hub.js'
export { LEDGER_SYNC_PROTOCOL, ledgerSummary, requestSync, respondSync, SyncProtocolError } from './sync-protocol.js'
export type { SyncOutcome, SyncSessionInit } from './sync-protocol.js'
export { LedgerSync, changesTopic } from './ledger-sync.js'
export type { LedgerSyncComponents, LedgerSyncInit, LedgerSyncStats } from './ledger-sync.js'
export { announce, announceUpdate, persist, announceDeleteBucket, announceDeleteBucketKey } from './announce.js'
export type { Announcement, AnnounceInit, AnnounceStep, BoundedAnnounceInit } from './announce.js'
export { AliveService } from './alive.js'
export type { AliveServiceComponents, AliveServiceInit } from './alive.js'
