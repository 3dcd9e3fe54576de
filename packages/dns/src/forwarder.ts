/**
 * Forwarding to upstream resolvers, in order, the way Go edgevpn does it (UDP, answers without
 * records skipped so the next upstream is asked) with what Go lacks: a per-upstream timeout, TCP
 * when an answer is truncated, NXDOMAIN/NODATA passed on when no upstream has records, a cache
 * that honours TTLs, and one upstream query for concurrent identical questions.
 */

import { randomInt } from 'node:crypto'
import { createSocket } from 'node:dgram'
import { connect, isIP } from 'node:net'
import { questionKey } from './cache.js'
import { lowerName, namesEqual } from './names.js'
import { RCODE, decodeMessage, encodeMessage, optRecord } from './wire.js'
import type { AnswerCache, CachedAnswer } from './cache.js'
import type { HostPort } from './address.js'
import type { DnsMessage, DnsQuestion, DnsRecord } from './wire.js'

/** The UDP payload size we advertise upstream (the DNS flag day 2020 value). */
export const EDNS_PAYLOAD_SIZE = 1232
const TYPE_SOA = 6
const MAX_TTL = 0x7fffffff

export interface ForwarderInit {
  upstreams: readonly HostPort[]
  /** Time allowed to each upstream (and again to its TCP retry). */
  timeoutMs: number
  cache: AnswerCache
  /** TTL of negative answers without an SOA record. */
  negativeTtlSeconds: number
  /** Distinct questions being forwarded at once; beyond it, SERVFAIL without asking. */
  maxPending: number
}

export interface ForwardOutcome extends CachedAnswer {
  /** `failure`: no upstream answered (the rcode is SERVFAIL); `busy`: too many pending questions. */
  readonly source: 'cache' | 'upstream' | 'failure' | 'busy'
}

export class Forwarder {
  private readonly init: ForwarderInit
  private readonly pending = new Map<string, Promise<ForwardOutcome>>()
  private readonly closing = new AbortController()

  constructor (init: ForwarderInit) {
    this.init = init
  }

  /** Never rejects: failures are SERVFAIL outcomes. */
  async resolve (question: DnsQuestion): Promise<ForwardOutcome> {
    const key = questionKey(question)
    const cached = this.init.cache.get(key)
    if (cached !== undefined) return { ...cached, source: 'cache' }
    const running = this.pending.get(key)
    if (running !== undefined) return running
    if (this.pending.size >= this.init.maxPending) return failure('busy')
    const asking = this.ask(question, key).finally(() => this.pending.delete(key))
    this.pending.set(key, asking)
    return asking
  }

  /** Abandon upstream queries in flight (they resolve as failures). */
  close (): void {
    this.closing.abort()
  }

  private async ask (question: DnsQuestion, key: string): Promise<ForwardOutcome> {
    let negative: CachedAnswer | undefined
    for (const upstream of this.init.upstreams) {
      if (this.closing.signal.aborted) break
      const reply = await this.exchange(upstream, question)
      if (reply === undefined) continue
      const { rcode } = reply.header
      if (rcode !== RCODE.noError && rcode !== RCODE.nxDomain) continue
      const authorities = reply.authorities.filter(record => record.type === TYPE_SOA)
      if (reply.answers.length > 0) {
        const answer = { rcode, answers: reply.answers, authorities: rcode === RCODE.noError ? [] : authorities }
        const ttl = Math.min(...reply.answers.map(record => usableTtl(record.ttl)))
        this.init.cache.set(key, answer, rcode === RCODE.noError ? ttl : Math.min(ttl, this.negativeTtl(authorities)))
        return { ...answer, source: 'upstream' }
      }
      // like Go, an answer without records sends us to the next upstream; NODATA (the name
      // exists) is kept over NXDOMAIN in case none of them has records
      if (negative === undefined || (negative.rcode === RCODE.nxDomain && rcode === RCODE.noError)) {
        negative = { rcode, answers: [], authorities }
      }
    }
    if (negative === undefined) return failure('failure')
    this.init.cache.set(key, negative, this.negativeTtl(negative.authorities))
    return { ...negative, source: 'upstream' }
  }

  /** RFC 2308: the SOA's TTL capped by its MINIMUM field; a default without an SOA. */
  private negativeTtl (authorities: DnsRecord[]): number {
    const soa = authorities[0]
    if (soa === undefined || soa.data.length < 20) return this.init.negativeTtlSeconds
    const minimum = Buffer.from(soa.data.buffer, soa.data.byteOffset, soa.data.length).readUInt32BE(soa.data.length - 4)
    return Math.min(usableTtl(soa.ttl), usableTtl(minimum))
  }

  /** One upstream: UDP, then TCP if the answer was truncated. */
  private async exchange (upstream: HostPort, question: DnsQuestion): Promise<DnsMessage | undefined> {
    const id = randomInt(0x10000)
    const query = encodeMessage({
      header: { id, qr: false, opcode: 0, aa: false, tc: false, rd: true, ra: false, ad: false, cd: false, rcode: 0 },
      questions: [{ name: lowerName(question.name), type: question.type, class: question.class }],
      answers: [],
      authorities: [],
      additionals: [optRecord(EDNS_PAYLOAD_SIZE)]
    })
    const accepts = (reply: DnsMessage): boolean => reply.header.qr && reply.header.id === id &&
      reply.questions.every(q => namesEqual(q.name, question.name) && q.type === question.type && q.class === question.class)
    const { signal } = this.closing
    const reply = await exchangeUdp(upstream, query, accepts, this.init.timeoutMs, signal)
    if (reply?.header.tc !== true) return reply
    return exchangeTcp(upstream, query, accepts, this.init.timeoutMs, signal)
  }
}

function failure (source: 'failure' | 'busy'): ForwardOutcome {
  return { rcode: RCODE.servFail, answers: [], authorities: [], source }
}

/** RFC 2181 §8: TTLs with the top bit set count as 0. */
function usableTtl (ttl: number): number {
  return ttl > MAX_TTL ? 0 : ttl
}

type Accepts = (reply: DnsMessage) => boolean

/** Settles once: with the reply, or undefined on timeout, error or abort; always cleans up. */
async function exchangeWith (
  timeoutMs: number,
  signal: AbortSignal,
  start: (settle: (reply: DnsMessage | undefined) => void) => () => void
): Promise<DnsMessage | undefined> {
  return new Promise(resolve => {
    let settled = false
    let cleanup = (): void => {}
    const settle = (reply: DnsMessage | undefined): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      signal.removeEventListener('abort', onAbort)
      cleanup()
      resolve(reply)
    }
    const onAbort = (): void => { settle(undefined) }
    const timer = setTimeout(onAbort, timeoutMs)
    signal.addEventListener('abort', onAbort)
    cleanup = start(settle)
    if (signal.aborted) settle(undefined)
  })
}

async function exchangeUdp (upstream: HostPort, query: Buffer, accepts: Accepts, timeoutMs: number, signal: AbortSignal): Promise<DnsMessage | undefined> {
  return exchangeWith(timeoutMs, signal, (settle) => {
    const socket = createSocket(isIP(upstream.host) === 6 ? 'udp6' : 'udp4')
    socket.on('error', () => { settle(undefined) })
    socket.on('message', (bytes) => {
      const reply = decodeOrUndefined(bytes)
      // anything else (spoofed, stale, garbage) is ignored while we wait for the real reply
      if (reply !== undefined && accepts(reply)) settle(reply)
    })
    // connecting makes the kernel drop datagrams from any other address
    socket.connect(upstream.port, upstream.host, () => {
      socket.send(query, (err) => { if (err !== null && err !== undefined) settle(undefined) })
    })
    return () => { socket.close() }
  })
}

async function exchangeTcp (upstream: HostPort, query: Buffer, accepts: Accepts, timeoutMs: number, signal: AbortSignal): Promise<DnsMessage | undefined> {
  return exchangeWith(timeoutMs, signal, (settle) => {
    const socket = connect({ host: upstream.host, port: upstream.port })
    let buffered = Buffer.alloc(0)
    socket.on('connect', () => {
      const length = Buffer.alloc(2)
      length.writeUInt16BE(query.length)
      socket.write(Buffer.concat([length, query]))
    })
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk])
      while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        const end = 2 + buffered.readUInt16BE(0)
        const reply = decodeOrUndefined(buffered.subarray(2, end))
        buffered = buffered.subarray(end)
        if (reply !== undefined && accepts(reply)) settle(reply)
      }
    })
    socket.on('error', () => { settle(undefined) })
    socket.on('close', () => { settle(undefined) })
    return () => { socket.destroy() }
  })
}

function decodeOrUndefined (bytes: Uint8Array): DnsMessage | undefined {
  try {
    return decodeMessage(bytes)
  } catch {
    return undefined
  }
}
