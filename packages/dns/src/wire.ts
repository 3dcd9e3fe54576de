/**
 * DNS message encoding and decoding (RFC 1035 §4), strict about the input: every length is
 * checked, compression pointers must point backwards, names stay within 255 bytes. Names inside
 * records are stored decompressed, so records can be re-encoded into any other message.
 */

import { DnsFormatError } from './errors.js'
import { MAX_NAME_LENGTH } from './names.js'

export const RCODE = { noError: 0, formErr: 1, servFail: 2, nxDomain: 3, notImp: 4, refused: 5, badVers: 16 } as const
export const OPCODE_QUERY = 0
export const TYPE_OPT = 41
export const CLASS_IN = 1

export interface DnsHeader {
  id: number
  qr: boolean
  opcode: number
  aa: boolean
  tc: boolean
  rd: boolean
  ra: boolean
  ad: boolean
  cd: boolean
  /** The low 4 bits travel in the header, the rest in the OPT record. */
  rcode: number
}

export interface DnsQuestion {
  /** Uncompressed wire form, case as received. */
  readonly name: Uint8Array
  readonly type: number
  readonly class: number
}

export interface DnsRecord {
  readonly name: Uint8Array
  readonly type: number
  readonly class: number
  readonly ttl: number
  /** RDATA with any embedded names decompressed. */
  readonly data: Uint8Array
}

export interface DnsMessage {
  header: DnsHeader
  questions: DnsQuestion[]
  answers: DnsRecord[]
  authorities: DnsRecord[]
  additionals: DnsRecord[]
}

export const HEADER_LENGTH = 12
/** Compression pointers followed per name at most (backward-only pointers already end loops). */
const MAX_POINTERS = 64

type RdataPart = 'name' | number
/** RDATA layouts that contain (possibly compressed) names: fixed byte counts and names. */
const NAME_LAYOUTS = new Map<number, RdataPart[]>([
  ...[2, 3, 4, 5, 7, 8, 9, 12, 39].map((type): [number, RdataPart[]] => [type, ['name']]),
  ...[15, 18, 21, 36].map((type): [number, RdataPart[]] => [type, [2, 'name']]),
  [6, ['name', 'name', 20]],
  [14, ['name', 'name']],
  [17, ['name', 'name']],
  [26, [2, 'name', 'name']],
  [33, [6, 'name']]
])

/**
 * Decode a whole message.
 *
 * @throws DnsFormatError when any part is malformed
 */
export function decodeMessage (bytes: Uint8Array): DnsMessage {
  const reader = new Reader(bytes)
  const header = decodeHeader(bytes)
  const counts = [0, 1, 2, 3].map(i => reader.u16(4 + i * 2))
  reader.offset = HEADER_LENGTH
  const questions: DnsQuestion[] = []
  for (let i = 0; i < (counts[0] as number); i++) {
    questions.push({ name: reader.name(), type: reader.next16(), class: reader.next16() })
  }
  const records = (count: number): DnsRecord[] => {
    const out: DnsRecord[] = []
    for (let i = 0; i < count; i++) out.push(reader.record())
    return out
  }
  const answers = records(counts[1] as number)
  const authorities = records(counts[2] as number)
  const additionals = records(counts[3] as number)
  if (reader.offset !== bytes.length) throw new DnsFormatError(`${bytes.length - reader.offset} bytes after the last record`)
  return { header, questions, answers, authorities, additionals }
}

/** The header alone (enough to answer FORMERR with the right ID). */
export function decodeHeader (bytes: Uint8Array): DnsHeader {
  if (bytes.length < HEADER_LENGTH) throw new DnsFormatError(`${bytes.length} bytes, shorter than a header`)
  const flags = ((bytes[2] as number) << 8) | (bytes[3] as number)
  return {
    id: ((bytes[0] as number) << 8) | (bytes[1] as number),
    qr: (flags & 0x8000) !== 0,
    opcode: (flags >> 11) & 0xf,
    aa: (flags & 0x0400) !== 0,
    tc: (flags & 0x0200) !== 0,
    rd: (flags & 0x0100) !== 0,
    ra: (flags & 0x0080) !== 0,
    ad: (flags & 0x0020) !== 0,
    cd: (flags & 0x0010) !== 0,
    rcode: flags & 0xf
  }
}

class Reader {
  readonly bytes: Uint8Array
  offset = 0

  constructor (bytes: Uint8Array) {
    this.bytes = bytes
  }

  need (offset: number, length: number): void {
    if (offset + length > this.bytes.length) throw new DnsFormatError(`truncated at byte ${offset}`)
  }

  u16 (offset: number): number {
    this.need(offset, 2)
    return ((this.bytes[offset] as number) << 8) | (this.bytes[offset + 1] as number)
  }

  next16 (): number {
    const value = this.u16(this.offset)
    this.offset += 2
    return value
  }

  next32 (): number {
    const value = this.u16(this.offset) * 0x10000 + this.u16(this.offset + 2)
    this.offset += 4
    return value
  }

  /** Read a possibly compressed name at the cursor, returning its uncompressed wire form. */
  name (): Uint8Array {
    const out: number[] = []
    let position = this.offset
    let resume = -1
    let pointers = 0
    for (;;) {
      this.need(position, 1)
      const length = this.bytes[position] as number
      if (length === 0) {
        out.push(0)
        position++
        break
      }
      const kind = length & 0xc0
      if (kind === 0xc0) {
        const target = this.u16(position) & 0x3fff
        if (target >= position) throw new DnsFormatError(`compression pointer at byte ${position} does not point backwards`)
        if (++pointers > MAX_POINTERS) throw new DnsFormatError('too many compression pointers')
        if (resume === -1) resume = position + 2
        position = target
        continue
      }
      if (kind !== 0) throw new DnsFormatError(`unsupported label type 0x${kind.toString(16)} at byte ${position}`)
      this.need(position + 1, length)
      if (out.length + 1 + length + 1 > MAX_NAME_LENGTH) throw new DnsFormatError(`name longer than ${MAX_NAME_LENGTH} bytes`)
      for (let i = position; i <= position + length; i++) out.push(this.bytes[i] as number)
      position += 1 + length
    }
    this.offset = resume === -1 ? position : resume
    return Uint8Array.from(out)
  }

  record (): DnsRecord {
    const name = this.name()
    const type = this.next16()
    const klass = this.next16()
    const ttl = this.next32()
    const length = this.next16()
    this.need(this.offset, length)
    const end = this.offset + length
    const layout = NAME_LAYOUTS.get(type)
    let data: Uint8Array
    if (layout === undefined || type === TYPE_OPT) {
      data = this.bytes.slice(this.offset, end)
      this.offset = end
    } else {
      data = this.decompressedRdata(layout, end)
      if (this.offset !== end) throw new DnsFormatError(`RDATA of type ${type} does not fill its ${length} bytes`)
    }
    return { name, type, class: klass, ttl, data }
  }

  private decompressedRdata (layout: RdataPart[], end: number): Uint8Array {
    const parts: Uint8Array[] = []
    for (const part of layout) {
      if (part === 'name') {
        parts.push(this.name())
      } else {
        this.need(this.offset, part)
        parts.push(this.bytes.slice(this.offset, this.offset + part))
        this.offset += part
      }
      if (this.offset > end) throw new DnsFormatError('RDATA overruns its length')
    }
    return Buffer.concat(parts)
  }
}

/** Encode without name compression (as Go edgevpn does: `Compress = false`). */
export function encodeMessage (message: DnsMessage): Buffer {
  const sections = [message.answers, message.authorities, message.additionals]
  let size = HEADER_LENGTH
  for (const q of message.questions) size += q.name.length + 4
  for (const section of sections) {
    for (const r of section) size += r.name.length + 10 + r.data.length
  }
  const out = Buffer.alloc(size)
  const h = message.header
  out.writeUInt16BE(h.id, 0)
  const flags = (h.qr ? 0x8000 : 0) | ((h.opcode & 0xf) << 11) | (h.aa ? 0x0400 : 0) | (h.tc ? 0x0200 : 0) |
    (h.rd ? 0x0100 : 0) | (h.ra ? 0x0080 : 0) | (h.ad ? 0x0020 : 0) | (h.cd ? 0x0010 : 0) | (h.rcode & 0xf)
  out.writeUInt16BE(flags, 2)
  out.writeUInt16BE(message.questions.length, 4)
  sections.forEach((section, i) => out.writeUInt16BE(section.length, 6 + i * 2))
  let offset = HEADER_LENGTH
  for (const q of message.questions) {
    out.set(q.name, offset)
    offset += q.name.length
    out.writeUInt16BE(q.type, offset)
    out.writeUInt16BE(q.class, offset + 2)
    offset += 4
  }
  for (const section of sections) {
    for (const r of section) {
      out.set(r.name, offset)
      offset += r.name.length
      out.writeUInt16BE(r.type, offset)
      out.writeUInt16BE(r.class, offset + 2)
      out.writeUInt32BE(r.ttl >>> 0, offset + 4)
      out.writeUInt16BE(r.data.length, offset + 8)
      out.set(r.data, offset + 10)
      offset += 10 + r.data.length
    }
  }
  return out
}

/** EDNS(0) parameters carried by an OPT record (RFC 6891). */
export interface Edns {
  readonly udpPayloadSize: number
  readonly version: number
  readonly extendedRcode: number
}

/**
 * The OPT record of a message, if any.
 *
 * @throws DnsFormatError for more than one OPT record or one not owned by the root
 */
export function ednsOf (message: DnsMessage): Edns | undefined {
  const opts = message.additionals.filter(r => r.type === TYPE_OPT)
  if (opts.length === 0) return undefined
  const opt = opts[0] as DnsRecord
  if (opts.length > 1) throw new DnsFormatError('more than one OPT record')
  if (opt.name.length !== 1) throw new DnsFormatError('OPT record not owned by the root')
  return { udpPayloadSize: opt.class, version: (opt.ttl >>> 16) & 0xff, extendedRcode: opt.ttl >>> 24 }
}

/** An OPT record advertising `udpPayloadSize`, carrying the upper bits of `rcode`. */
export function optRecord (udpPayloadSize: number, rcode = 0): DnsRecord {
  return { name: Uint8Array.of(0), type: TYPE_OPT, class: udpPayloadSize, ttl: ((rcode >> 4) & 0xff) * 0x1000000, data: new Uint8Array(0) }
}
