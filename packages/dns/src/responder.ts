/**
 * One query in, one reply out, whatever the transport: validation of the request, the mesh's
 * own names, forwarding, and the reply's size limit.
 */

import { EDNS_PAYLOAD_SIZE } from './forwarder.js'
import { namesEqual } from './names.js'
import { HEADER_LENGTH, OPCODE_QUERY, RCODE, TYPE_OPT, decodeHeader, decodeMessage, ednsOf, encodeMessage, optRecord } from './wire.js'
import type { Forwarder } from './forwarder.js'
import type { MeshZone } from './mesh-zone.js'
import type { DnsHeader, DnsMessage, DnsQuestion, DnsRecord, Edns } from './wire.js'

/** RFC 1035: UDP replies without EDNS fit in 512 bytes. */
const CLASSIC_UDP_SIZE = 512
/** Largest UDP reply we send whatever the client advertises. */
const MAX_UDP_SIZE = 4096
const MAX_TCP_SIZE = 0xffff
const TYPE_IXFR = 251
const TYPE_AXFR = 252

export interface DnsServerStats {
  /** Every message received. */
  queries: number
  /** Answered from the ledger or the machines list. */
  local: number
  /** Answered from the forwarding cache. */
  cacheHits: number
  /** Answered after asking upstream servers (successfully or not). */
  forwarded: number
  /** Negative answers (NXDOMAIN) sent. */
  nxDomain: number
  /** SERVFAIL sent: no upstream answered in time, or too many questions were pending. */
  serverFailures: number
  /** FORMERR sent: the message did not decode, or had no question. */
  formatErrors: number
  /** NOTIMP sent: an opcode other than QUERY, or a zone transfer. */
  notImplemented: number
  /** Messages not answered: shorter than a header, or responses (QR set). */
  dropped: number
  /** TCP connections refused or closed for exceeding a bound (count, size, idle time). */
  tcpConnectionsRefused: number
}

export function emptyStats (): DnsServerStats {
  return { queries: 0, local: 0, cacheHits: 0, forwarded: 0, nxDomain: 0, serverFailures: 0, formatErrors: 0, notImplemented: 0, dropped: 0, tcpConnectionsRefused: 0 }
}

export type Transport = 'udp' | 'tcp'

interface Reply {
  rcode: number
  aa?: boolean
  answers?: DnsRecord[]
  authorities?: DnsRecord[]
}

export interface ResponderInit {
  zone: MeshZone
  /** Undefined when forwarding is off. */
  forwarder: Forwarder | undefined
  stats: DnsServerStats
}

export class Responder {
  private readonly zone: MeshZone
  private readonly forwarder: Forwarder | undefined
  private readonly stats: DnsServerStats

  constructor (init: ResponderInit) {
    this.zone = init.zone
    this.forwarder = init.forwarder
    this.stats = init.stats
  }

  /** The reply to send, or undefined when the message must be dropped. Never throws. */
  async respond (bytes: Uint8Array, transport: Transport): Promise<Buffer | undefined> {
    this.stats.queries++
    if (bytes.length < HEADER_LENGTH) {
      this.stats.dropped++
      return undefined
    }
    const header = decodeHeader(bytes)
    // never answer a response: two servers could bounce errors at each other forever
    if (header.qr) {
      this.stats.dropped++
      return undefined
    }
    let request: DnsMessage
    let edns: Edns | undefined
    try {
      request = decodeMessage(bytes)
      edns = ednsOf(request)
    } catch {
      this.stats.formatErrors++
      return this.encode(header, undefined, undefined, { rcode: RCODE.formErr }, transport)
    }
    const question = request.questions[0]
    if (header.opcode !== OPCODE_QUERY) {
      this.stats.notImplemented++
      return this.encode(header, question, edns, { rcode: RCODE.notImp }, transport)
    }
    if (question === undefined || question.type === TYPE_OPT) {
      this.stats.formatErrors++
      return this.encode(header, question, edns, { rcode: RCODE.formErr }, transport)
    }
    if (edns !== undefined && edns.version > 0) return this.encode(header, question, edns, { rcode: RCODE.badVers }, transport)
    if (question.type === TYPE_AXFR || question.type === TYPE_IXFR) {
      this.stats.notImplemented++
      return this.encode(header, question, edns, { rcode: RCODE.notImp }, transport)
    }
    const reply = await this.resolve(question)
    if (reply.rcode === RCODE.nxDomain) this.stats.nxDomain++
    if (reply.rcode === RCODE.servFail) this.stats.serverFailures++
    return this.encode(header, question, edns, reply, transport)
  }

  /** Go edgevpn answers the first question only. */
  private async resolve (question: DnsQuestion): Promise<Reply> {
    const local = this.zone.lookup(question)
    if (local.found) {
      this.stats.local++
      return { rcode: local.rcode, aa: true, answers: local.answers }
    }
    if (this.forwarder === undefined) {
      // Go answers NOERROR with nothing; a name that no regex matches does not exist here
      return { rcode: local.nameMatched ? RCODE.noError : RCODE.nxDomain, aa: true }
    }
    const outcome = await this.forwarder.resolve(question)
    if (outcome.source === 'cache') this.stats.cacheHits++
    else this.stats.forwarded++
    // cached records carry the case of the query that filled the cache; echo this one's
    const echo = (record: DnsRecord): DnsRecord => namesEqual(record.name, question.name) ? { ...record, name: question.name } : record
    return { rcode: outcome.rcode, answers: outcome.answers.map(echo), authorities: outcome.authorities.map(echo) }
  }

  private encode (request: DnsHeader, question: DnsQuestion | undefined, edns: Edns | undefined, reply: Reply, transport: Transport): Buffer {
    const header: DnsHeader = {
      id: request.id,
      qr: true,
      opcode: request.opcode,
      aa: reply.aa ?? false,
      tc: false,
      rd: request.rd,
      ra: this.forwarder !== undefined,
      ad: false,
      cd: request.cd,
      rcode: reply.rcode & 0xf
    }
    const message: DnsMessage = {
      header,
      questions: question === undefined ? [] : [question],
      answers: reply.answers ?? [],
      authorities: reply.authorities ?? [],
      // RFC 6891: an OPT record only in replies to requests that had one
      additionals: edns === undefined ? [] : [optRecord(EDNS_PAYLOAD_SIZE, reply.rcode)]
    }
    const limit = transport === 'tcp'
      ? MAX_TCP_SIZE
      : edns === undefined ? CLASSIC_UDP_SIZE : Math.min(Math.max(edns.udpPayloadSize, CLASSIC_UDP_SIZE), MAX_UDP_SIZE)
    const encoded = encodeMessage(message)
    if (encoded.length <= limit) return encoded
    // too big: TC tells the client to ask again over TCP
    return encodeMessage({ ...message, header: { ...header, tc: true }, answers: [], authorities: [] })
  }
}
