/**
 * `/edgevpn-ts/ledger-sync/1.0.0`: anti-entropy between two TypeScript nodes over one libp2p
 * stream, so that steady-state gossip needs only digests and a late joiner catches up at once.
 *
 * Every frame is varint length-prefixed and sealed with the mesh seal key (AES-256-GCM, like
 * gossip), so only token holders can read or feed the ledger through it. The exchange:
 *
 * ```
 * requester                                   responder
 * HELLO(summary, capabilities)        ──▶
 *                                     ◀──     HELLO(summary, capabilities)
 * (equal summaries: both stop)
 * entry mode (both merge per entry, i.e. ownership observe/enforce):
 * DIGESTS… END  (key, digest, version) ──▶
 *                                     ◀──     ENTRIES… END   (what the requester lacks or has older)
 *                                     ◀──     WANT… END      (keys the responder lacks or has older)
 * ENTRIES… END                        ──▶
 * block mode (either side has ownership off): each side sends its gzipped last block
 * ```
 *
 * Received entries go through `Ledger.mergeEntries`, blocks through `Ledger.mergeJson`: the same
 * signature and ownership rules as gossip, so the protocol cannot be used to forge writes.
 */

import { createHash } from 'node:crypto'
import { lpStream } from '@libp2p/utils'
import { encodeBlockPayload, gunzipBounded } from './block-payload.js'
import { digestKey, entryDigest, parseDigestKey } from './digest.js'
import { encodeEntry, parseEntry } from './entry.js'
import { storageEntries } from './merge.js'
import type { Block } from './block.js'
import type { Ledger } from './ledger.js'
import type { KeyedEntry } from './merge.js'
import type { SealKeyring } from './seal-keys.js'
import type { Stream } from '@libp2p/interface'

export const LEDGER_SYNC_PROTOCOL = '/edgevpn-ts/ledger-sync/1.0.0'

const WIRE_VERSION = 1
const CAN_MERGE_ENTRIES = 1

const FRAME = { hello: 1, digests: 2, entries: 3, want: 4, end: 5, block: 6 } as const
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

/** Runs the requester side on a freshly opened stream and closes it. */
export async function requestSync (stream: Stream, ledger: Ledger, init: SyncSessionInit): Promise<SyncOutcome> {
  const session = new Session(stream, init)
  try {
    const mine = helloOf(ledger)
    await session.write(FRAME.hello, encodeHello(mine))
    const theirs = decodeHello(await session.read(FRAME.hello))
    if (theirs.summary === mine.summary) return await session.finish({ inSync: true, sent: 0, received: 0, changed: false })
    if (!(mine.entries && theirs.entries)) {
      await session.write(FRAME.block, await encodeBlockPayload(ledger.lastBlock()))
      const changed = await mergeBlock(ledger, await session.read(FRAME.block), init.maxSessionBytes)
      return await session.finish({ inSync: false, sent: 1, received: 1, changed })
    }
    await session.writeRecords(FRAME.digests, digestRecords(ledger))
    const incoming = parseEntryRecords(await session.readRecords(FRAME.entries, 2))
    const wanted = (await session.readRecords(FRAME.want, 1)).map(([key]) => text(key))
    const reply = ledger.entriesFor(wanted)
    await session.writeRecords(FRAME.entries, reply.map(entryRecord))
    const changed = await mergeEntryList(ledger, incoming)
    return await session.finish({ inSync: false, sent: reply.length, received: incoming.length, changed })
  } catch (err) {
    session.abort(err)
    throw err
  }
}

/** Runs the responder side on an incoming stream and closes it. */
export async function respondSync (stream: Stream, ledger: Ledger, init: SyncSessionInit): Promise<SyncOutcome> {
  const session = new Session(stream, init)
  try {
    const theirs = decodeHello(await session.read(FRAME.hello))
    const mine = helloOf(ledger)
    await session.write(FRAME.hello, encodeHello(mine))
    if (theirs.summary === mine.summary) return await session.finish({ inSync: true, sent: 0, received: 0, changed: false })
    if (!(mine.entries && theirs.entries)) {
      await session.write(FRAME.block, await encodeBlockPayload(ledger.lastBlock()))
      const changed = await mergeBlock(ledger, await session.read(FRAME.block), init.maxSessionBytes)
      return await session.finish({ inSync: false, sent: 1, received: 1, changed })
    }
    const remote = new Map<string, { digest: string, version: bigint }>()
    for (const [key, digest, version] of await session.readRecords(FRAME.digests, 3)) {
      if (digest.length !== 16 || version.length !== 8) throw new SyncProtocolError('malformed digest record')
      remote.set(text(key), { digest: Buffer.from(digest).toString('hex'), version: Buffer.from(version).readBigUInt64BE() })
    }
    const local = localDigests(ledger)
    // send what the requester lacks or holds an older (or conflicting equal) version of
    const give = [...local].filter(([key, mineNow]) => {
      const other = remote.get(key)
      return other === undefined || (other.digest !== mineNow.digest && other.version <= mineNow.version)
    }).map(([key]) => key)
    const want = [...remote].filter(([key, other]) => {
      const mineNow = local.get(key)
      return mineNow === undefined || (mineNow.digest !== other.digest && mineNow.version <= other.version)
    }).map(([key]) => key)
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

interface Hello {
  readonly summary: string
  readonly entries: boolean
}

function helloOf (ledger: Ledger): Hello {
  return { summary: ledgerSummary(ledger), entries: ledger.mode !== 'off' }
}

function encodeHello (hello: Hello): Uint8Array {
  return Buffer.concat([Buffer.from([WIRE_VERSION, hello.entries ? CAN_MERGE_ENTRIES : 0]), Buffer.from(hello.summary, 'hex')])
}

function decodeHello (body: Uint8Array): Hello {
  if (body.length !== 34 || body[0] !== WIRE_VERSION) throw new SyncProtocolError('unsupported hello')
  return { entries: (body[1] & CAN_MERGE_ENTRIES) !== 0, summary: Buffer.from(body.subarray(2)).toString('hex') }
}

function localDigests (ledger: Ledger): Map<string, { digest: string, version: bigint }> {
  const out = new Map<string, { digest: string, version: bigint }>()
  for (const { bucket, key, entry } of storageEntries(ledger.lastBlock().storage)) {
    out.set(digestKey(bucket, key), { digest: entryDigest(entry), version: entry.version })
  }
  return out
}

function digestRecords (ledger: Ledger): Uint8Array[][] {
  return [...localDigests(ledger)].map(([key, { digest, version }]) => {
    const versionBytes = Buffer.alloc(8)
    versionBytes.writeBigUInt64BE(version)
    return [Buffer.from(key, 'utf8'), Buffer.from(digest, 'hex'), versionBytes]
  })
}

function entryRecord ({ bucket, key, entry }: KeyedEntry): Uint8Array[] {
  return [Buffer.from(digestKey(bucket, key), 'utf8'), Buffer.from(encodeEntry(entry), 'utf8')]
}

/** Decodes entry records; malformed ones are skipped (the merge would drop them anyway). */
function parseEntryRecords (records: Uint8Array[][]): KeyedEntry[] {
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

  constructor (stream: Stream, init: SyncSessionInit) {
    this.stream = stream
    this.init = init
    // lpStream waits on a fresh 'drain' listener per write (not the broken stream.onDrain())
    this.lp = lpStream(stream, { maxDataLength: init.maxFrameBytes, maxBufferSize: init.maxFrameBytes + 64 * 1024 })
  }

  async write (type: FrameType, body: Uint8Array): Promise<void> {
    const frame = this.init.keyring.sealBytes(Buffer.concat([Buffer.from([type]), body]))
    if (frame.length > this.init.maxFrameBytes) throw new SyncProtocolError(`frame of ${frame.length} bytes exceeds the ${this.init.maxFrameBytes} byte limit`)
    await this.lp.write(frame, { signal: this.init.signal })
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
    for (const record of records) {
      for (const field of record) {
        const length = Buffer.alloc(4)
        length.writeUInt32BE(field.length)
        chunk.push(length, field)
        size += 4 + field.length
      }
      if (size >= CHUNK_BYTES) {
        await this.write(type, Buffer.concat(chunk))
        chunk = []
        size = 0
      }
    }
    if (size > 0) await this.write(type, Buffer.concat(chunk))
    await this.write(FRAME.end, new Uint8Array(0))
  }

  /** Reads frames of `type` up to END, split into records of `fields` fields. */
  async readRecords (type: FrameType, fields: number): Promise<Uint8Array[][]> {
    const records: Uint8Array[][] = []
    for (;;) {
      const { type: got, body } = await this.readFrame()
      if (got === FRAME.end) return records
      if (got !== type) throw new SyncProtocolError(`expected frame ${type}, got ${got}`)
      const values = splitFields(body)
      if (values.length % fields !== 0) throw new SyncProtocolError('truncated record')
      for (let i = 0; i < values.length; i += fields) records.push(values.slice(i, i + fields))
    }
  }

  /** Half-closes our side and waits for the peer to finish. */
  async finish (outcome: SyncOutcome): Promise<SyncOutcome> {
    await this.stream.close({ signal: this.init.signal })
    return outcome
  }

  abort (err: unknown): void {
    this.stream.abort(err instanceof Error ? err : new Error(String(err)))
  }

  private async readFrame (): Promise<{ type: number, body: Uint8Array }> {
    const sealed = (await this.lp.read({ signal: this.init.signal })).subarray()
    this.bytesRead += sealed.length
    if (this.bytesRead > this.init.maxSessionBytes) throw new SyncProtocolError(`peer sent more than ${this.init.maxSessionBytes} bytes`)
    const frame = this.init.keyring.openBytes(sealed)
    if (frame === undefined || frame.length === 0) throw new SyncProtocolError('frame does not open with the mesh seal key')
    return { type: frame[0], body: frame.subarray(1) }
  }
}

function splitFields (body: Uint8Array): Uint8Array[] {
  const view = Buffer.from(body.buffer, body.byteOffset, body.byteLength)
  const out: Uint8Array[] = []
  let at = 0
  while (at < view.length) {
    if (at + 4 > view.length) throw new SyncProtocolError('truncated field length')
    const length = view.readUInt32BE(at)
    at += 4
    if (at + length > view.length) throw new SyncProtocolError('truncated field')
    out.push(view.subarray(at, at + length))
    at += length
  }
  return out
}
