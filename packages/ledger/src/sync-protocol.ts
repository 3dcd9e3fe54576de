/**
 * `/edgevpn-ts/ledger-sync/1.1.0` (and 1.0.0, served for earlier releases): anti-entropy between
 * two TypeScript nodes over one libp2p stream, so that a late joiner catches up at once and a
 * node's periodic pull costs what changed, not the size of the ledger.
 *
 * Every frame is varint length-prefixed and sealed with the mesh seal key (AES-256-GCM, like
 * gossip), so only token holders can read or feed the ledger through it. The exchange:
 *
 * ```
 * requester                                   responder
 * HELLO(summary, capabilities, cursor) ──▶
 *                                     ◀──     HELLO(summary, capabilities, its cursor now)
 * (equal summaries: both stop)
 * entry mode (both merge per entry, i.e. ownership observe/enforce), the requester's cursor
 * continues the responder's change log (same epoch): only what changed there since
 *                                     ◀──     DIGESTS… END   (key hash, digest, version) of those
 * WANT… END  (key hashes)             ──▶
 *                                     ◀──     ENTRIES… END
 * entry mode, no usable cursor (first session, responder restarted, 1.0.0):
 * DIGESTS… END  (every entry)         ──▶
 *                                     ◀──     ENTRIES… END   (what the requester lacks or has older)
 *                                     ◀──     WANT… END      (keys the responder lacks or has older)
 * ENTRIES… END                        ──▶
 * block mode (either side has ownership off): each side sends its gzipped last block
 * ```
 *
 * The requester keeps the responder's cursor for the next session. 1.0.0 has no cursor in its
 * HELLO (34 bytes instead of 50) and always takes the full path. When both HELLOs carry the
 * gzip capability (bit 2 of their second byte; earlier releases ignore it), ENTRIES frames travel
 * as ENTRIES_GZIP: the same records, gzipped (a batch of heartbeats shrinks by about half, most
 * of a pull's bytes in a large mesh).
 *
 * Received entries go through `Ledger.mergeEntries`, blocks through `Ledger.mergeJson`: the same
 * signature and ownership rules as gossip, so the protocol cannot be used to forge writes.
 */

import { createHash } from 'node:crypto'
import { gzipSync } from 'node:zlib'
import { lpStream } from '@libp2p/utils'
import { encodeBlockPayload, gunzipBounded } from './block-payload.js'
import { digestKey, entryDigest, parseDigestKey } from './digest.js'
import { encodeEntry, parseEntry } from './entry.js'
import { storageEntries } from './merge.js'
import { packFields, splitFields } from './records.js'
import type { Block } from './block.js'
import type { ChangeCursor, Ledger } from './ledger.js'
import type { KeyedEntry } from './merge.js'
import type { SealKeyring } from './seal-keys.js'
import type { Stream } from '@libp2p/interface'

export const LEDGER_SYNC_PROTOCOL = '/edgevpn-ts/ledger-sync/1.1.0'
/** The first version, without change logs: still served for nodes of earlier releases. */
export const LEDGER_SYNC_PROTOCOL_V1 = '/edgevpn-ts/ledger-sync/1.0.0'

const CAN_MERGE_ENTRIES = 1
const CAN_GZIP_ENTRIES = 2
const HELLO_BYTES = { 1: 34, 2: 50 } as const

const FRAME = { hello: 1, digests: 2, entries: 3, want: 4, end: 5, block: 6, entriesGzip: 7 } as const
type FrameType = typeof FRAME[keyof typeof FRAME]

/** Records are packed into frames of about this many bytes. */
const CHUNK_BYTES = 256 * 1024

/** The peer broke the protocol (bad frame, wrong key, over a limit). */
export class SyncProtocolError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'SyncProtocolError'
  }
}

export interface SyncSessionInit {
  keyring: SealKeyring
  /** Largest frame accepted, in bytes. */
  maxFrameBytes: number
  /** Most bytes read from the peer in one session. */
  maxSessionBytes: number
  /** Aborts the session (e.g. a timeout). */
  signal: AbortSignal
  /**
   * Announce the gzip capability (ENTRIES_GZIP frames); false acts as a release before it.
   *
   * @default true
   */
  gzipEntries?: boolean
}

export interface SyncOutcome {
  /** Both summaries were equal: nothing was exchanged. */
  readonly inSync: boolean
  /** Entries (or 1 for a block) sent to the peer. */
  readonly sent: number
  /** Entries (or 1 for a block) received from the peer. */
  readonly received: number
  /** Whether merging what was received changed our ledger. */
  readonly changed: boolean
  /** Sealed frame bytes read and written in the session (its cost, without stream framing). */
  readonly bytes?: number
}

const summaries = new WeakMap<Block, string>()

/**
 * A hash of every entry digest of the ledger's state (tombstones included): equal on two nodes
 * exactly when they hold the same entries, whatever their block history. Cached per block.
 */
export function ledgerSummary (ledger: Ledger): string {
  const head = ledger.lastBlock()
  let summary = summaries.get(head)
  if (summary === undefined) {
    const lines = storageEntries(head.storage).map(({ bucket, key, entry }) => `${digestKey(bucket, key)}\u0000${entryDigest(entry)}\n`)
    lines.sort()
    const hash = createHash('sha256')
    for (const line of lines) hash.update(line, 'utf8')
    summary = hash.digest('hex')
    summaries.set(head, summary)
  }
  return summary
}

/** What a requester remembers of a responder between sessions: where its change log stood. */
export type SyncCursor = ChangeCursor

/** A requester's session outcome, with the responder's cursor to send next time. */
export interface RequestOutcome extends SyncOutcome {
  /** Undefined from a responder of protocol 1.0.0, which keeps no change log. */
  readonly cursor?: SyncCursor
}

/**
 * Runs the requester side on a freshly opened stream and closes it. With `cursor` (from the last
 * session with this responder, protocol 1.1.0) only the responder's entries changed since then
 * are compared, and only in its direction.
 */
export async function requestSync (stream: Stream, ledger: Ledger, init: SyncSessionInit, cursor?: SyncCursor): Promise<RequestOutcome> {
  const session = new Session(stream, init)
  const version = helloVersion(stream)
  try {
    const mine = helloOf(ledger, version, cursor ?? NO_CURSOR, init)
    await session.write(FRAME.hello, encodeHello(mine))
    const theirs = decodeHello(await session.read(FRAME.hello), version)
    session.gzipEntries = theirs.gzip && mine.gzip
    const done = async (outcome: SyncOutcome): Promise<RequestOutcome> => ({ ...await session.finish(outcome), cursor: theirs.cursor })
    if (theirs.summary === mine.summary) return await done({ inSync: true, sent: 0, received: 0, changed: false })
    if (!(mine.entries && theirs.entries)) return await done(await exchangeBlocks(session, ledger, init))
    if (continuesLog(mine.cursor, theirs.cursor)) {
      const local = new Map([...localDigests(ledger)].map(([key, digest]) => [keyHash(key), digest]))
      const offered = readCompactDigests(await session.readRecords(FRAME.digests, 1))
      await session.writeRecords(FRAME.want, [...offered].filter(([hash, other]) => lacks(local.get(hash), other)).map(([hash]) => [Buffer.from(hash, 'hex')]))
      const incoming = parseEntryRecords(await session.readRecords(FRAME.entries, 2))
      return await done({ inSync: false, sent: 0, received: incoming.length, changed: await mergeEntryList(ledger, incoming) })
    }
    await session.writeRecords(FRAME.digests, digestRecords(localDigests(ledger)))
    const incoming = parseEntryRecords(await session.readRecords(FRAME.entries, 2))
    const wanted = (await session.readRecords(FRAME.want, 1)).map(([key]) => text(key))
    const reply = ledger.entriesFor(wanted)
    await session.writeRecords(FRAME.entries, reply.map(entryRecord))
    const changed = await mergeEntryList(ledger, incoming)
    return await done({ inSync: false, sent: reply.length, received: incoming.length, changed })
  } catch (err) {
    session.abort(err)
    throw err
  }
}

/** Runs the responder side on an incoming stream (either protocol version) and closes it. */
export async function respondSync (stream: Stream, ledger: Ledger, init: SyncSessionInit): Promise<SyncOutcome> {
  const session = new Session(stream, init)
  const version = helloVersion(stream)
  try {
    const theirs = decodeHello(await session.read(FRAME.hello), version)
    const mine = helloOf(ledger, version, ledger.changeCursor(), init)
    session.gzipEntries = theirs.gzip && mine.gzip
    await session.write(FRAME.hello, encodeHello(mine))
    if (theirs.summary === mine.summary) return await session.finish({ inSync: true, sent: 0, received: 0, changed: false })
    if (!(mine.entries && theirs.entries)) return await session.finish(await exchangeBlocks(session, ledger, init))
    const local = localDigests(ledger)
    if (continuesLog(theirs.cursor, mine.cursor)) {
      const changed = new Map(ledger.changedSince(theirs.cursor.seq).filter(key => local.has(key)).map(key => [keyHash(key), key]))
      await session.writeRecords(FRAME.digests, [...changed].map(([hash, key]) => [compactDigest(hash, local.get(key) as EntryDigest)]))
      const wanted = (await session.readRecords(FRAME.want, 1)).map(([hash]) => changed.get(Buffer.from(hash).toString('hex')))
      const outgoing = ledger.entriesFor(wanted.filter(key => key !== undefined))
      await session.writeRecords(FRAME.entries, outgoing.map(entryRecord))
      return await session.finish({ inSync: false, sent: outgoing.length, received: 0, changed: false })
    }
    const remote = readDigests(await session.readRecords(FRAME.digests, 3))
    // send what the requester lacks or holds an older (or conflicting equal) version of
    const give = [...local].filter(([key, mineNow]) => lacks(remote.get(key), mineNow)).map(([key]) => key)
    const want = [...remote].filter(([key, other]) => lacks(local.get(key), other)).map(([key]) => key)
    const outgoing = ledger.entriesFor(give)
    await session.writeRecords(FRAME.entries, outgoing.map(entryRecord))
    await session.writeRecords(FRAME.want, want.map(key => [Buffer.from(key, 'utf8')]))
    const incoming = parseEntryRecords(await session.readRecords(FRAME.entries, 2))
    const changed = await mergeEntryList(ledger, incoming)
    return await session.finish({ inSync: false, sent: outgoing.length, received: incoming.length, changed })
  } catch (err) {
    session.abort(err)
    throw err
  }
}

interface EntryDigest { digest: string, version: bigint }

/** Whether a side holding `held` should take `offered`: it has none, or an older or conflicting equal version. */
function lacks (held: EntryDigest | undefined, offered: EntryDigest): boolean {
  return held === undefined || (held.digest !== offered.digest && held.version <= offered.version)
}

/** Each side sends its gzipped last block (either side has ownership off). */
async function exchangeBlocks (session: Session, ledger: Ledger, init: SyncSessionInit): Promise<SyncOutcome> {
  await session.write(FRAME.block, await encodeBlockPayload(ledger.lastBlock()))
  const changed = await mergeBlock(ledger, await session.read(FRAME.block), init.maxSessionBytes)
  return { inSync: false, sent: 1, received: 1, changed }
}

const NO_CURSOR: SyncCursor = { epoch: '0000000000000000', seq: 0 }

/** The requester's cursor points into the responder's current log: only changes since are needed. */
function continuesLog (requesterCursor: SyncCursor, responderCursor: SyncCursor): boolean {
  return requesterCursor.epoch !== NO_CURSOR.epoch && requesterCursor.epoch === responderCursor.epoch && requesterCursor.seq <= responderCursor.seq
}

interface Hello {
  readonly version: HelloVersion
  readonly summary: string
  readonly entries: boolean
  /** Takes ENTRIES_GZIP frames (every node of this release). */
  readonly gzip: boolean
  readonly cursor: SyncCursor
}

type HelloVersion = 1 | 2

function helloVersion (stream: Stream): HelloVersion {
  return stream.protocol === LEDGER_SYNC_PROTOCOL_V1 ? 1 : 2
}

function helloOf (ledger: Ledger, version: HelloVersion, cursor: SyncCursor, init: SyncSessionInit): Hello {
  return { version, summary: ledgerSummary(ledger), entries: ledger.mode !== 'off', gzip: init.gzipEntries ?? true, cursor }
}

function encodeHello (hello: Hello): Uint8Array {
  const capabilities = (hello.entries ? CAN_MERGE_ENTRIES : 0) | (hello.gzip ? CAN_GZIP_ENTRIES : 0)
  const head = Buffer.concat([Buffer.from([hello.version, capabilities]), Buffer.from(hello.summary, 'hex')])
  if (hello.version === 1) return head
  const seq = Buffer.alloc(8)
  seq.writeBigUInt64BE(BigInt(hello.cursor.seq))
  return Buffer.concat([head, Buffer.from(hello.cursor.epoch, 'hex'), seq])
}

function decodeHello (body: Uint8Array, version: HelloVersion): Hello {
  if (body.length !== HELLO_BYTES[version] || body[0] !== version) throw new SyncProtocolError('unsupported hello')
  const view = Buffer.from(body.buffer, body.byteOffset, body.byteLength)
  const cursor = version === 1
    ? NO_CURSOR
    : { epoch: view.subarray(34, 42).toString('hex'), seq: Number(view.readBigUInt64BE(42)) }
  return { version, entries: (body[1] & CAN_MERGE_ENTRIES) !== 0, gzip: (body[1] & CAN_GZIP_ENTRIES) !== 0, summary: view.subarray(2, 34).toString('hex'), cursor }
}

/**
 * The first 8 bytes (hex) of SHA-256 over a `bucket\0key`: how the incremental path names keys,
 * a quarter of the bytes of a healthcheck key. A collision only makes a pull ask for, or skip,
 * one entry it did not need to; the next full session settles it.
 */
function keyHash (key: string): string {
  let hash = keyHashes.get(key)
  if (hash === undefined) {
    hash = createHash('sha256').update(key, 'utf8').digest('hex').slice(0, 16)
    if (keyHashes.size >= MAX_CACHED_KEY_HASHES) keyHashes.clear()
    keyHashes.set(key, hash)
  }
  return hash
}

const keyHashes = new Map<string, string>()
const MAX_CACHED_KEY_HASHES = 100_000

/** One 32-byte field: key hash (8), digest (16), version (8). */
function compactDigest (hash: string, { digest, version }: EntryDigest): Uint8Array {
  const record = Buffer.alloc(32)
  record.write(hash, 0, 'hex')
  record.write(digest, 8, 'hex')
  record.writeBigUInt64BE(version, 24)
  return record
}

function readCompactDigests (records: Uint8Array[][]): Map<string, EntryDigest> {
  const out = new Map<string, EntryDigest>()
  for (const [field] of records) {
    if (field.length !== 32) throw new SyncProtocolError('malformed digest record')
    const record = Buffer.from(field)
    out.set(record.toString('hex', 0, 8), { digest: record.toString('hex', 8, 24), version: record.readBigUInt64BE(24) })
  }
  return out
}

function readDigests (records: Uint8Array[][]): Map<string, EntryDigest> {
  const out = new Map<string, EntryDigest>()
  for (const [key, digest, version] of records) {
    if (digest.length !== 16 || version.length !== 8) throw new SyncProtocolError('malformed digest record')
    out.set(text(key), { digest: Buffer.from(digest).toString('hex'), version: Buffer.from(version).readBigUInt64BE() })
  }
  return out
}

function localDigests (ledger: Ledger): Map<string, EntryDigest> {
  const out = new Map<string, EntryDigest>()
  for (const { bucket, key, entry } of storageEntries(ledger.lastBlock().storage)) {
    out.set(digestKey(bucket, key), { digest: entryDigest(entry), version: entry.version })
  }
  return out
}

function digestRecords (digests: Iterable<[string, EntryDigest]>): Uint8Array[][] {
  return [...digests].map(([key, { digest, version }]) => {
    const versionBytes = Buffer.alloc(8)
    versionBytes.writeBigUInt64BE(version)
    return [Buffer.from(key, 'utf8'), Buffer.from(digest, 'hex'), versionBytes]
  })
}

function entryRecord ({ bucket, key, entry }: KeyedEntry): Uint8Array[] {
  return [Buffer.from(digestKey(bucket, key), 'utf8'), Buffer.from(encodeEntry(entry), 'utf8')]
}

/** Decodes `[key, entry JSON]` records; malformed ones are skipped (the merge would drop them anyway). */
export function parseEntryRecords (records: Uint8Array[][]): KeyedEntry[] {
  const out: KeyedEntry[] = []
  for (const [key, entryJson] of records) {
    const parsed = parseDigestKey(text(key))
    if (parsed === undefined) continue
    try {
      out.push({ ...parsed, entry: parseEntry(text(entryJson)) })
    } catch {
      // not a Go SignedData: skip it
    }
  }
  return out
}

async function mergeEntryList (ledger: Ledger, entries: KeyedEntry[]): Promise<boolean> {
  if (entries.length === 0) return false
  return (await ledger.mergeEntries(entries)).blockAdded
}

async function mergeBlock (ledger: Ledger, payload: Uint8Array, maxBytes: number): Promise<boolean> {
  const result = await ledger.mergeJson(await gunzipBounded(payload, maxBytes))
  if (result.error !== undefined) throw new SyncProtocolError(`peer sent a bad block: ${result.error}`)
  return result.blockAdded
}

function text (bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('utf8')
}

/** Framing, sealing and limits of one sync stream. */
class Session {
  private readonly stream: Stream
  private readonly lp: ReturnType<typeof lpStream>
  private readonly init: SyncSessionInit
  private bytesRead = 0
  private bytesWritten = 0
  private bytesInflated = 0
  /**
   * Sealed frames not sent yet: they leave together when the session next waits for the peer
   * (or finishes), so that HELLO, DIGESTS and END of a small exchange share one TCP segment.
   */
  private unsent: Uint8Array[] = []
  private unsentBytes = 0
  /** Both sides announced the gzip capability: ENTRIES go as ENTRIES_GZIP. */
  gzipEntries = false

  constructor (stream: Stream, init: SyncSessionInit) {
    this.stream = stream
    this.init = init
    // lpStream waits on a fresh 'drain' listener per write (not the broken stream.onDrain())
    this.lp = lpStream(stream, { maxDataLength: init.maxFrameBytes, maxBufferSize: init.maxFrameBytes + 64 * 1024 })
  }

  async write (type: FrameType, body: Uint8Array): Promise<void> {
    const frame = this.init.keyring.sealBytes(Buffer.concat([Buffer.from([type]), body]))
    if (frame.length > this.init.maxFrameBytes) throw new SyncProtocolError(`frame of ${frame.length} bytes exceeds the ${this.init.maxFrameBytes} byte limit`)
    this.bytesWritten += frame.length
    this.unsent.push(frame)
    this.unsentBytes += frame.length
    if (this.unsentBytes >= CHUNK_BYTES) await this.flush()
  }

  private async flush (): Promise<void> {
    if (this.unsent.length === 0) return
    const frames = this.unsent
    this.unsent = []
    this.unsentBytes = 0
    await this.lp.writeV(frames, { signal: this.init.signal })
  }

  async read (expected: FrameType): Promise<Uint8Array> {
    const { type, body } = await this.readFrame()
    if (type !== expected) throw new SyncProtocolError(`expected frame ${expected}, got ${type}`)
    return body
  }

  /** Sends records (each a list of byte fields) packed into frames, then END. */
  async writeRecords (type: FrameType, records: Uint8Array[][]): Promise<void> {
    let chunk: Uint8Array[] = []
    let size = 0
    const writeChunk = async (): Promise<void> => {
      if (type === FRAME.entries && this.gzipEntries) await this.write(FRAME.entriesGzip, gzipSync(packFields(chunk)))
      else await this.write(type, packFields(chunk))
    }
    for (const record of records) {
      chunk.push(...record)
      size += record.reduce((sum, field) => sum + 4 + field.length, 0)
      if (size >= CHUNK_BYTES) {
        await writeChunk()
        chunk = []
        size = 0
      }
    }
    if (size > 0) await writeChunk()
    await this.write(FRAME.end, new Uint8Array(0))
  }

  /** Reads frames of `type` up to END, split into records of `fields` fields. */
  async readRecords (type: FrameType, fields: number): Promise<Uint8Array[][]> {
    const records: Uint8Array[][] = []
    for (;;) {
      const { type: got, body: sent } = await this.readFrame()
      if (got === FRAME.end) return records
      const gzipped = got === FRAME.entriesGzip && type === FRAME.entries && this.gzipEntries
      if (got !== type && !gzipped) throw new SyncProtocolError(`expected frame ${type}, got ${got}`)
      const body = gzipped ? await this.gunzip(sent) : sent
      const values = splitFields(body)
      if (values === undefined) throw new SyncProtocolError('truncated field')
      if (values.length % fields !== 0) throw new SyncProtocolError('truncated record')
      for (let i = 0; i < values.length; i += fields) records.push(values.slice(i, i + fields))
    }
  }

  /**
   * Inflates an ENTRIES_GZIP body, to no more than a frame may hold, and all of a session's to no
   * more than the session may read: a member's small frames cannot inflate past the limits.
   */
  private async gunzip (body: Uint8Array): Promise<Uint8Array> {
    const limit = Math.min(this.init.maxFrameBytes, this.init.maxSessionBytes - this.bytesInflated)
    try {
      const inflated = await gunzipBounded(body, limit)
      this.bytesInflated += inflated.length
      return inflated
    } catch (err) {
      throw new SyncProtocolError(`ENTRIES_GZIP frame does not inflate within ${limit} bytes: ${(err as Error).message}`)
    }
  }

  /** Half-closes our side and waits for the peer to finish. */
  async finish (outcome: SyncOutcome): Promise<SyncOutcome> {
    await this.flush()
    await this.stream.close({ signal: this.init.signal })
    return { ...outcome, bytes: this.bytesRead + this.bytesWritten }
  }

  abort (err: unknown): void {
    this.stream.abort(err instanceof Error ? err : new Error(String(err)))
  }

  private async readFrame (): Promise<{ type: number, body: Uint8Array }> {
    await this.flush()
    const sealed = (await this.lp.read({ signal: this.init.signal })).subarray()
    this.bytesRead += sealed.length
    if (this.bytesRead > this.init.maxSessionBytes) throw new SyncProtocolError(`peer sent more than ${this.init.maxSessionBytes} bytes`)
    const frame = this.init.keyring.openBytes(sealed)
    if (frame === undefined || frame.length === 0) throw new SyncProtocolError('frame does not open with the mesh seal key')
    return { type: frame[0], body: frame.subarray(1) }
  }
}
