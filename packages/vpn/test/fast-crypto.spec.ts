import { randomBytes, randomInt } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  deriveSessionKeys, encodeAck, encodeHello, FastRecordError, MAX_RECORD_PLAINTEXT, randomSecret, randomSessionId, RecordOpener, RecordSealer,
  verifyAck, verifyHello
} from '../src/fast-crypto.js'
import { decodeAnswer, decodeOffer, encodeAnswer, encodeOffer, FastNegotiationError } from '../src/fast-negotiation.js'

function keys (): ReturnType<typeof deriveSessionKeys> {
  return deriveSessionKeys(randomSecret(), randomSecret(), randomSessionId())
}

/** Feeds `bytes` to the opener in chunks of random sizes and returns all plaintext. */
function openInChunks (opener: RecordOpener, bytes: Uint8Array): Buffer {
  const plaintexts: Buffer[] = []
  for (let offset = 0; offset < bytes.length;) {
    const size = Math.min(bytes.length - offset, randomInt(1, 70_000))
    opener.push(bytes.subarray(offset, offset + size), plaintext => { plaintexts.push(Buffer.from(plaintext)) })
    offset += size
  }
  return Buffer.concat(plaintexts)
}

describe('fast-channel records', () => {
  it('carry a byte stream intact whatever the chunking, in several records when large', () => {
    const { data } = keys()
    const sealer = new RecordSealer(data)
    const parts = [randomBytes(1), randomBytes(MAX_RECORD_PLAINTEXT * 2 + 17), randomBytes(1500)]
    const records = parts.map(part => sealer.seal(part))
    expect(records[1]).toHaveLength(3 * 3)
    const opener = new RecordOpener(data)
    expect(openInChunks(opener, Buffer.concat(records.flat())).equals(Buffer.concat(parts))).toBe(true)
    expect(opener.pendingBytes).toBe(0)
  })

  it('refuse a flipped bit, a replayed record, a reordered record and a wrong key', () => {
    const { data } = keys()
    const sealer = new RecordSealer(data)
    const first = Buffer.concat(sealer.seal(randomBytes(100)))
    const second = Buffer.concat(sealer.seal(randomBytes(100)))
    const tampered = Buffer.from(first)
    tampered[10] ^= 1
    const cases: Array<[string, Buffer, Buffer]> = [
      ['flipped bit', data, tampered],
      ['replay', data, Buffer.concat([first, first])],
      ['reorder', data, second],
      ['wrong key', keys().data, first]
    ]
    for (const [name, key, bytes] of cases) {
      const delivered: Uint8Array[] = []
      const opener = new RecordOpener(key)
      expect(() => {
        opener.push(bytes, plaintext => { delivered.push(plaintext) })
      }, name).toThrow(FastRecordError)
      // a replay is refused after the genuine first record went through
      expect(delivered.length, name).toBe(name === 'replay' ? 1 : 0)
    }
  })

  it('refuse lengths that cannot be a record before reading them', () => {
    for (const length of [0, 16, MAX_RECORD_PLAINTEXT + 17, 0xffffffff]) {
      const header = Buffer.alloc(4)
      header.writeUInt32BE(length)
      expect(() => { new RecordOpener(keys().data).push(header, () => {}) }, String(length)).toThrow(FastRecordError)
    }
  })
})

describe('fast-channel session binding', () => {
  it('derives the same keys on both ends, and other keys for another session', () => {
    const dialer = randomSecret()
    const listener = randomSecret()
    const sessionId = randomSessionId()
    expect(deriveSessionKeys(dialer, listener, sessionId)).toEqual(deriveSessionKeys(dialer, listener, sessionId))
    expect(deriveSessionKeys(dialer, listener, randomSessionId()).data.equals(deriveSessionKeys(dialer, listener, sessionId).data)).toBe(false)
  })

  it('accepts only a hello and an ack made with the session\'s keys', () => {
    const session = keys()
    const sessionId = randomSessionId()
    const hello = encodeHello(session, sessionId)
    expect(verifyHello(session, hello)).toBe(true)
    expect(verifyHello(keys(), hello)).toBe(false)
    const forged = Buffer.from(hello)
    forged[20] ^= 0x80
    expect(verifyHello(session, forged)).toBe(false)
    expect(verifyAck(session, sessionId, encodeAck(session, sessionId))).toBe(true)
    // the hello's MAC is not a valid ack (different label)
    expect(verifyAck(session, sessionId, hello.subarray(16))).toBe(false)
    expect(verifyAck(session, sessionId, encodeAck(session, sessionId).subarray(1))).toBe(false)
  })

  it('encodes and decodes the negotiation messages, refusing unknown versions and port 0', () => {
    const secret = randomSecret()
    expect(Buffer.from(decodeOffer(encodeOffer(secret))).equals(secret)).toBe(true)
    const answer = { port: 40123, sessionId: randomSessionId(), secret }
    const decoded = decodeAnswer(encodeAnswer(answer))
    expect(decoded.port).toBe(40123)
    expect(Buffer.from(decoded.sessionId).equals(answer.sessionId)).toBe(true)
    const wrongVersion = encodeOffer(secret)
    wrongVersion[0] = 2
    expect(() => decodeOffer(wrongVersion)).toThrow(FastNegotiationError)
    expect(() => decodeAnswer(encodeAnswer({ ...answer, port: 0 }))).toThrow(FastNegotiationError)
  })
})
