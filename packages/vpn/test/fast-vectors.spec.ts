/**
 * Both engines of the fast channel against the test vectors of docs/fast-channel.md: the
 * TypeScript one (key agreement, hello, ack, records) and the native threads' record cipher
 * (through `@edgevpn/tun/record-probe`). The vectors come from an independent implementation
 * (`vectors/make-fast-channel-vectors.py`), so a change to either engine's wire format fails here.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createRecordProbe } from '@edgevpn/tun/record-probe'
import { describe, expect, it } from 'vitest'
import { deriveSessionKeys, encodeAck, encodeHello, RecordOpener, RecordSealer, verifyAck, verifyHello } from '../src/fast-crypto.js'

interface Vectors {
  agreement: Record<'dialerSecret' | 'listenerSecret' | 'sessionId' | 'dataKey' | 'helloKey' | 'hello' | 'ack', string>
  units: string
  records: Array<{ number: number, plaintext: string, record: string }>
  largestRecord: { number: number, plaintextPattern: { length: number, seed: number }, sha256: string }
}

const vectors = JSON.parse(readFileSync(new URL('./vectors/fast-channel.json', import.meta.url), 'utf8')) as Vectors
const hex = (text: string): Buffer => Buffer.from(text, 'hex')
const { agreement } = vectors
const dataKey = hex(agreement.dataKey)
const largestPlaintext = Buffer.from(Array.from({ length: vectors.largestRecord.plaintextPattern.length }, (_, i) => (vectors.largestRecord.plaintextPattern.seed + 7 * i) & 0xff))
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex')

describe('fast-channel vectors: the TypeScript engine', () => {
  it('derives the session keys, hello and ack', () => {
    const keys = deriveSessionKeys(hex(agreement.dialerSecret), hex(agreement.listenerSecret), hex(agreement.sessionId))
    expect(keys.data.toString('hex')).toBe(agreement.dataKey)
    expect(keys.hello.toString('hex')).toBe(agreement.helloKey)
    expect(encodeHello(keys, hex(agreement.sessionId)).toString('hex')).toBe(agreement.hello)
    expect(encodeAck(keys, hex(agreement.sessionId)).toString('hex')).toBe(agreement.ack)
    expect(verifyHello(keys, hex(agreement.hello))).toBe(true)
    expect(verifyAck(keys, hex(agreement.sessionId), hex(agreement.ack))).toBe(true)
  })

  it('seals each record byte for byte and opens them back into the unit stream', () => {
    const sealer = new RecordSealer(dataKey)
    const sealed = vectors.records.map(({ plaintext }) => Buffer.concat(sealer.seal(hex(plaintext))))
    expect(sealed.map(record => record.toString('hex'))).toEqual(vectors.records.map(({ record }) => record))
    expect(sha256(Buffer.concat(sealer.seal(largestPlaintext)))).toBe(vectors.largestRecord.sha256)

    const opened: Buffer[] = []
    const opener = new RecordOpener(dataKey)
    for (const record of sealed) opener.push(record, plaintext => { opened.push(Buffer.from(plaintext)) })
    expect(Buffer.concat(opened).toString('hex')).toBe(vectors.units)
  })
})

describe('fast-channel vectors: the native engine', () => {
  it('seals each record byte for byte and opens the vectors', () => {
    const sealer = createRecordProbe(dataKey)
    for (const { plaintext, record } of vectors.records) expect(sealer.seal(hex(plaintext)).toString('hex')).toBe(record)
    expect(sha256(sealer.seal(largestPlaintext))).toBe(vectors.largestRecord.sha256)

    const opener = createRecordProbe(dataKey)
    const opened = vectors.records.map(({ record }) => opener.open(hex(record)))
    expect(Buffer.concat(opened as Buffer[]).toString('hex')).toBe(vectors.units)
  })

  it('refuses a flipped bit and a record out of order', () => {
    const flipped = hex(vectors.records[0].record)
    flipped[10] ^= 1
    expect(createRecordProbe(dataKey).open(flipped)).toBeNull()
    expect(createRecordProbe(dataKey).open(hex(vectors.records[1].record))).toBeNull()
  })
})
