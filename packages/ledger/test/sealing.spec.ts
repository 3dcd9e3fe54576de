import { APPENDIX_A_TIME_MS, appendixANetwork } from '@edgevpn/test/support/appendix-a'
import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { sealKey } from '@edgevpn/mesh-core'
import {
  decodeEnvelope, decodeHexPrefix, encodeEnvelope, EnvelopeDecodeError, gunzipBounded, openBytes, PayloadDecodeError,
  SealKeyring, seal, sealBytes, unseal
} from '../src/index.js'

/** Appendix A: T and the A.1 sample network. */
const T = APPENDIX_A_TIME_MS
const network = appendixANetwork()
const KEY = sealKey(network, T)
const NONCE = Buffer.from('000102030405060708090a0b', 'hex')
const VECTOR = '000102030405060708090a0bfcd7ea555f5b8779d83bb05ca63149576f287d'
const foo = Buffer.from('foo')

describe('sealing (Appendix A.3)', () => {
  it('seals "foo" to the vector with its nonce', () => {
    expect(KEY.toString('ascii')).toBe('8dbe7ca3f6eefdca6a55d3f70aa41422')
    expect(seal(foo, KEY, NONCE)).toBe(VECTOR)
  })

  it('opens the vector, and a random-nonce seal is 62 hex characters that opens', () => {
    expect(Buffer.from(unseal(VECTOR, KEY) ?? []).toString()).toBe('foo')
    const sealed = seal(foo, KEY)
    expect(sealed).toMatch(/^[0-9a-f]{62}$/)
    expect(sealed).not.toBe(seal(foo, KEY))
    expect(Buffer.from(unseal(sealed, KEY) ?? []).toString()).toBe('foo')
  })

  it('decodes hex as leniently as Go (errata A8): uppercase, trailing garbage, odd nibble', () => {
    for (const text of [VECTOR.toUpperCase(), VECTOR + 'zz!', VECTOR + '7', VECTOR + 'g0']) {
      expect(Buffer.from(unseal(text, KEY) ?? []).toString()).toBe('foo')
    }
    expect([...decodeHexPrefix('0aFfzz11')]).toEqual([0x0a, 0xff])
  })

  it('returns undefined, never throws, for text that does not open', () => {
    const other = sealKey(network, T + 360_000)
    expect(unseal(VECTOR, other)).toBeUndefined()
    for (const text of ['', 'zz', VECTOR.slice(0, 54), VECTOR.slice(0, 20), VECTOR.replace('fc', 'fd'), '\u0000'.repeat(100)]) {
      expect(unseal(text, KEY)).toBeUndefined()
    }
    expect(openBytes(sealBytes(foo, KEY).subarray(1), KEY)).toBeUndefined()
  })

  it('refuses keys that are not 32 bytes (16-byte MD5 digests are the classic port error)', () => {
    expect(() => seal(foo, KEY.subarray(0, 16))).toThrow(RangeError)
  })
})

describe('SealKeyring', () => {
  const period = 360_000
  const boundary = Math.ceil(T / period) * period

  it('opens a message sealed just before a rotation, after it, within the grace window', () => {
    const before = new SealKeyring({ network, clock: () => boundary - 1_000 })
    const after = new SealKeyring({ network, clock: () => boundary + 1_000, graceMs: 30_000 })
    const sealed = before.seal(foo)
    expect(unseal(sealed, after.current())).toBeUndefined()
    expect(Buffer.from(after.unseal(sealed) ?? []).toString()).toBe('foo')
    expect(Buffer.from(after.openBytes(before.sealBytes(foo)) ?? []).toString()).toBe('foo')
  })

  it('does not open messages from periods outside the window', () => {
    const old = new SealKeyring({ network, clock: () => boundary - period / 2 })
    const now = new SealKeyring({ network, clock: () => boundary + period / 2, graceMs: 30_000 })
    expect(now.unseal(old.seal(foo))).toBeUndefined()
  })
})

describe('gossip envelope', () => {
  it('encodes exactly like Go', () => {
    expect(Buffer.from(encodeEnvelope({ message: 'ab01', senderId: '', annotations: null })).toString())
      .toBe('{"Message":"ab01","SenderID":"","Annotations":null}')
    expect(Buffer.from(encodeEnvelope({ message: '', senderId: 'x', annotations: { sigs: 'a<b' } })).toString())
      .toBe('{"Message":"","SenderID":"x","Annotations":{"sigs":"a\\u003cb"}}')
  })

  it('decodes case-insensitively, ignoring unknown fields, last member winning', () => {
    const data = Buffer.from('{"message":"aa","MESSAGE":"bb","senderid":null,"Extra":[1,{}],"annotations":{"sigs":"s"}}')
    expect(decodeEnvelope(data, 1024)).toEqual({ message: 'bb', senderId: '', annotations: { sigs: 's' } })
    expect(decodeEnvelope(Buffer.from('{}'), 1024)).toEqual({ message: '', senderId: '', annotations: null })
  })

  it('rejects oversized input before parsing, and malformed input with a named error', () => {
    const big = Buffer.from(`{"Message":"${'0'.repeat(2000)}"}`)
    expect(() => decodeEnvelope(big, 1000)).toThrow(/exceeds the 1000 byte limit/)
    try {
      decodeEnvelope(big, 1000)
    } catch (err) {
      expect(err).toBeInstanceOf(EnvelopeDecodeError)
      expect((err as EnvelopeDecodeError).oversized).toBe(true)
    }
    for (const text of ['', '{', '[]', 'null', '{"Message":1}', '{"SenderID":[]}', '{"Annotations":"x"}', '\u00ff\u00fe']) {
      expect(() => decodeEnvelope(Buffer.from(text), 1000)).toThrow(EnvelopeDecodeError)
    }
  })
})

describe('gunzipBounded', () => {
  it('inflates a normal payload and refuses a gzip bomb past the limit', async () => {
    expect(Buffer.from(await gunzipBounded(gzipSync(foo), 1024)).toString()).toBe('foo')
    const bomb = gzipSync(Buffer.alloc(32 * 1024 * 1024))
    expect(bomb.length).toBeLessThan(64 * 1024)
    await expect(gunzipBounded(bomb, 1024 * 1024)).rejects.toThrow(PayloadDecodeError)
    await expect(gunzipBounded(Buffer.from('not gzip'), 1024)).rejects.toThrow(/not gzip/)
  })
})
