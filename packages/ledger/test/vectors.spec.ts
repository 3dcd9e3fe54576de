import { generateKeyPairFromSeed, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { describe, expect, it } from 'vitest'
import { canonicalBytes, checksum, checksumRecord, encodeBlock, encodeEntry, entrySigner, fnv1a32, genesisBlock, GENESIS_HASH, leader, legacyEntry, newBlock, parseBlock, signEntry, verifyEntry } from '../src/index.js'
import { formatGoLocal, formatGoUtc, formatRfc3339, parseRfc3339 } from '@edgevpn/go-compat'
import { storageOf } from './helpers.js'

const SEED = Uint8Array.from({ length: 32 }, (_, i) => i + 1)
const PEER = '12D3KooWJ1TsijH7H5F74hfAD5XishQz3sxrmAtVY37GtNd9CqYf'
const A4_CANONICAL = '000000000000000b6865616c7468636865636b0000000000000034313244334b6f6f574a315473696a48374835463734686641443558697368517a337378726d41745659333747744e6439437159660000000000000034313244334b6f6f574a315473696a48374835463734686641443558697368517a337378726d41745659333747744e64394371596618867251edfa0000000000006955b90000000000000000001622323032362d30312d30315430303a30303a30305a22'
const A4_SIG = '790406ed578316246ad0f715ab8e56d98fb400c39f963ddab9bde738af6336a029dce2d823140442aeedd3562544ba672ebe8cf504590aea4cfa06450f25220b'
const A4_JSON = '{"Value":"\\"2026-01-01T00:00:00Z\\"","Owner":"12D3KooWJ1TsijH7H5F74hfAD5XishQz3sxrmAtVY37GtNd9CqYf","Version":1767225600000000000,"UpdatedAt":1767225600,"Deleted":false,"Sig":"eQQG7VeDFiRq0PcVq45W2Y+0AMOflj3aub3nOK9jNqAp3OLYIxQEQq7t01YlRLpnLr6M9QRZCupM+gZFDyUiCw=="}'

describe('Appendix A.4: identity and signed entry', () => {
  it('derives the peer ID and key file bytes from the seed', async () => {
    const key = await generateKeyPairFromSeed('Ed25519', SEED)
    expect(Buffer.from(key.publicKey.raw).toString('hex')).toBe('79b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad049664')
    expect(entrySigner(key).id).toBe(PEER)
    expect(Buffer.from(privateKeyToProtobuf(key)).toString('hex')).toBe('080112400102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f2079b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad049664')
  })

  it('produces the canonical bytes, signature and entry JSON', async () => {
    const key = await generateKeyPairFromSeed('Ed25519', SEED)
    const fields = { value: '"2026-01-01T00:00:00Z"', version: 1767225600000000000n, updatedAt: 1767225600n, deleted: false }
    expect(Buffer.from(canonicalBytes('healthcheck', PEER, { ...fields, owner: PEER })).toString('hex')).toBe(A4_CANONICAL)
    const entry = await signEntry(entrySigner(key), 'healthcheck', PEER, fields)
    expect(Buffer.from(entry.sig ?? []).toString('hex')).toBe(A4_SIG)
    expect(encodeEntry(entry)).toBe(A4_JSON)
    expect(await verifyEntry('healthcheck', PEER, entry)).toBe(true)
  })
})

describe('Appendix A.5: genesis', () => {
  it('hashes the empty block record 0map[]', () => {
    const empty = { index: 0, timestamp: '', storage: new Map(), prevHash: '' }
    expect(checksumRecord(empty)).toBe('0map[]')
    expect(GENESIS_HASH).toBe('993c923422cd134b6aad0235ebfd4290a7b27b83d1bcd6b1fb2addc4b45b2fa6')
    const genesis = genesisBlock(Date.UTC(2026, 10, 21, 23, 50, 2, 442), 0.198471)
    expect(genesis.hash).toBe(GENESIS_HASH)
    expect(genesis.timestamp).toMatch(/^2026-11-2[12] \d\d:\d\d:02\.442 [+-]\d{4} \S+ m=\+0\.000198471$/)
  })
})

describe('Appendix A.6: block checksum record and JSON', () => {
  const storage = storageOf({
    machines: { '10.1.0.1': legacyEntry('{"PeerID":"x","Address":"10.1.0.1"}') },
    b: {
      k: { value: '"v"', owner: 'peerX', version: 3n, updatedAt: 100n, deleted: false, sig: Uint8Array.of(1, 2, 3) },
      d: { value: '', owner: 'p', version: 4n, updatedAt: 0n, deleted: true, sig: null }
    }
  })
  const block = { index: 1, timestamp: '2026-01-01 00:00:00 +0000 UTC', storage, prevHash: GENESIS_HASH }
  const json = '{"Index":1,"Timestamp":"2026-01-01 00:00:00 +0000 UTC","Storage":{"b":{"d":{"Value":"","Owner":"p","Version":4,"UpdatedAt":0,"Deleted":true,"Sig":null},"k":{"Value":"\\"v\\"","Owner":"peerX","Version":3,"UpdatedAt":100,"Deleted":false,"Sig":"AQID"}},"machines":{"10.1.0.1":"{\\"PeerID\\":\\"x\\",\\"Address\\":\\"10.1.0.1\\"}"}},"Hash":"832b29c0395ae642e4459504220c53d0fe44d8038f218f1ae2a4b2dae5edb028","PrevHash":"993c923422cd134b6aad0235ebfd4290a7b27b83d1bcd6b1fb2addc4b45b2fa6"}'

  it('renders the record and hash exactly', () => {
    expect(checksumRecord(block)).toBe('12026-01-01 00:00:00 +0000 UTCmap[b:map[d:{ p 4 0 true []} k:{"v" peerX 3 100 false [1 2 3]}] machines:map[10.1.0.1:{{"PeerID":"x","Address":"10.1.0.1"}  0 0 false []}]]993c923422cd134b6aad0235ebfd4290a7b27b83d1bcd6b1fb2addc4b45b2fa6')
    expect(checksum(block)).toBe('832b29c0395ae642e4459504220c53d0fe44d8038f218f1ae2a4b2dae5edb028')
  })

  it('encodes and decodes the JSON byte-for-byte', () => {
    const full = { ...block, hash: checksum(block) }
    expect(encodeBlock(full)).toBe(json)
    expect(encodeBlock(parseBlock(json))).toBe(json)
    expect(checksum(parseBlock(json))).toBe(full.hash)
  })

  it('renders empty buckets, negative UpdatedAt, empty Sig and raw strings (errata A12/A13)', () => {
    const odd = storageOf({
      empty: {},
      z: { 'a b': { value: 'x]y', owner: '', version: 0n, updatedAt: -5n, deleted: false, sig: new Uint8Array(0) } },
      '\u{1F600}': {},
      '\uFF71': {}
    })
    expect(checksumRecord({ index: 2, timestamp: 't', storage: odd, prevHash: 'p' }))
      .toBe('2tmap[empty:map[] z:map[a b:{x]y  0 -5 false []}] \uFF71:map[] \u{1F600}:map[]]p')
    // the empty (non-nil) Sig keeps the object form and re-encodes as ""
    expect(encodeBlock({ index: 2, timestamp: 't', storage: odd, prevHash: 'p', hash: 'h' }))
      .toBe('{"Index":2,"Timestamp":"t","Storage":{"empty":{},"z":{"a b":{"Value":"x]y","Owner":"","Version":0,"UpdatedAt":-5,"Deleted":false,"Sig":""}},"\uFF71":{},"\u{1F600}":{}},"Hash":"h","PrevHash":"p"}')
  })
})

describe('Appendix A.7: time formats', () => {
  it('formats UTC block timestamps with the fraction trimmed', () => {
    expect(formatGoUtc(Date.UTC(2026, 0, 2, 3, 4, 5, 123))).toBe('2026-01-02 03:04:05.123 +0000 UTC')
    expect(formatGoUtc(Date.UTC(2026, 0, 2, 3, 4, 5, 120))).toBe('2026-01-02 03:04:05.12 +0000 UTC')
    expect(formatGoUtc(Date.UTC(2026, 0, 2, 3, 4, 5))).toBe('2026-01-02 03:04:05 +0000 UTC')
    const prev = genesisBlock()
    const next = newBlock(prev, new Map(), Date.UTC(2026, 0, 2, 3, 4, 5, 100))
    expect(next).toMatchObject({ index: 1, prevHash: GENESIS_HASH, timestamp: '2026-01-02 03:04:05.1 +0000 UTC' })
    expect(next.hash).toBe(checksum(next))
  })

  it('formats local time with the monotonic suffix', () => {
    const text = formatGoLocal(Date.UTC(2026, 10, 21, 23, 50, 2, 442), 12_345.678)
    expect(text).toMatch(/ [+-]\d{4} \S+ m=\+12\.345678000$/)
    if (new Date().getTimezoneOffset() === 0) expect(text).toBe('2026-11-21 23:50:02.442 +0000 UTC m=+12.345678000')
  })

  it('formats and parses RFC 3339 heartbeats', () => {
    expect(formatRfc3339(Date.UTC(2026, 0, 2, 3, 4, 5, 999))).toBe('2026-01-02T03:04:05Z')
    expect(parseRfc3339('2026-01-02T03:04:05Z')).toBe(Date.UTC(2026, 0, 2, 3, 4, 5))
    expect(parseRfc3339('2026-01-02T03:04:05.1234Z')).toBe(Date.UTC(2026, 0, 2, 3, 4, 5, 123))
    expect(parseRfc3339('2026-01-02T05:04:05+02:00')).toBe(Date.UTC(2026, 0, 2, 3, 4, 5))
    for (const bad of ['2026-02-30T00:00:00Z', '2026-01-02 03:04:05Z', '2026-01-02T24:00:00Z', '2026-01-02T03:04:05', '']) {
      expect(parseRfc3339(bad)).toBeUndefined()
    }
  })
})

describe('leader election (§6.7)', () => {
  it('matches the FNV-1a hashes and Go vectors', () => {
    expect(['a', 'b', 'c', 'd'].map(s => fnv1a32(s).toString(16))).toEqual(['e40c292c', 'e70c2de5', 'e60c2c52', 'e10c2473'])
    expect(leader(['a', 'b', 'c', 'd'])).toBe('b')
    expect(leader(['a', 'b', 'c', 'd', 'e', 'f', 'G', 'bb'])).toBe('b')
    expect(leader(['a', 'b', 'c', 'd', 'e', 'f', 'G', 'bb', 'z', 'b1', 'b2'])).toBe('z')
    expect(leader(['1', '2', '3', '4', '5'])).toBe('2')
    expect(leader(['1', '2', '3', '4', '5', '6', '7', '21', '22'])).toBe('22')
    expect(leader([])).toBeUndefined()
  })
})
