import { describe, expect, it } from 'vitest'
import {
  compareUtf8, decodeEntry, encodeEntry, encodeGoJson, goStruct, JsonSyntaxError, legacyEntry, LedgerDecodeError,
  parseBlock, parseEntry, parseJson, parseJsonTree
} from '../src/index.js'

describe('Go-compatible JSON encoder (errata D5)', () => {
  it('sorts map keys by UTF-8 bytes and escapes like Go', () => {
    expect(encodeGoJson({ b: 1, a: [true, null], '\u{1F600}': 'x', '\uFF71': 'y' })).toBe('{"a":[true,null],"b":1,"\uFF71":"y","\u{1F600}":"x"}')
    expect(encodeGoJson(new Map([[28, 'fd00::5'], [1, '10.1.0.5'], [5, 'x']]))).toBe('{"1":"10.1.0.5","28":"fd00::5","5":"x"}')
    expect(encodeGoJson('<a&b>\u2028\u2029\b\f\n\u0001"\\')).toBe('"\\u003ca\\u0026b\\u003e\\u2028\\u2029\\b\\f\\n\\u0001\\"\\\\"')
    expect(encodeGoJson({ '<k>': 1 })).toBe('{"\\u003ck\\u003e":1}')
    expect(encodeGoJson('\ud800x')).toBe('"\\ufffdx"')
    expect(encodeGoJson(1767225600000000000n)).toBe('1767225600000000000')
    expect(encodeGoJson([1e21, 1e20, 1e-7, 0.5, -0])).toBe('[1e+21,100000000000000000000,1e-7,0.5,-0]')
    expect(encodeGoJson(Uint8Array.of(1, 2, 3))).toBe('"AQID"')
    expect(encodeGoJson(goStruct({ PeerID: 'p', Hostname: 'h', Address: 'a' }))).toBe('{"PeerID":"p","Hostname":"h","Address":"a"}')
    expect(() => encodeGoJson(Number.NaN)).toThrow(TypeError)
  })

  it('orders strings by code point, not UTF-16 unit', () => {
    expect(['\u{1F600}', '\uFF71', 'a'].sort(compareUtf8)).toEqual(['a', '\uFF71', '\u{1F600}'])
  })
})

describe('lossless JSON parser', () => {
  it('keeps 64-bit integers and number literals', () => {
    expect(parseJson('{"v":1767225600000000000,"s":5,"f":1.5}')).toEqual({ v: 1767225600000000000n, s: 5, f: 1.5 })
    expect(parseJson('"\\ud800\\u0041"')).toBe('\ufffdA')
    expect(parseJson('"\\ud83d\\ude00"')).toBe('\u{1F600}')
    const proto = parseJson('{"__proto__":{"x":1}}') as Record<string, unknown>
    expect(Object.getPrototypeOf(proto)).toBe(Object.prototype)
    expect(Object.keys(proto)).toEqual(['__proto__'])
  })

  it('rejects malformed input', () => {
    for (const bad of ['', '{', '[1,]', '01', '1.', '"a', '{"a" 1}', 'nul', '1 2', '"\\x"', '"\u0001"', '['.repeat(600)]) {
      expect(() => parseJsonTree(bad), bad).toThrow(JsonSyntaxError)
    }
  })
})

describe('ledger entries (json_test.go, errata A10/A11/A14)', () => {
  it('encodes an unsigned entry as the bare string of its Value and decodes it back', () => {
    const entry = legacyEntry('{"PeerID":"12D3x","Address":"10.1.0.1"}')
    expect(encodeEntry(entry)).toBe('"{\\"PeerID\\":\\"12D3x\\",\\"Address\\":\\"10.1.0.1\\"}"')
    expect(parseEntry(encodeEntry(entry))).toEqual(entry)
    expect(parseEntry(' null ')).toEqual(legacyEntry(''))
    // the legacy form drops UpdatedAt (the hash record still prints it)
    expect(encodeEntry({ ...entry, updatedAt: 7n })).toBe(encodeEntry(entry))
  })

  it('round-trips a signed entry with all fields', () => {
    const entry = { value: '"v"', owner: 'peer', version: 18446744073709551615n, updatedAt: -9223372036854775808n, deleted: true, sig: Uint8Array.of(0, 255, 7) }
    const json = encodeEntry(entry)
    expect(json).toBe('{"Value":"\\"v\\"","Owner":"peer","Version":18446744073709551615,"UpdatedAt":-9223372036854775808,"Deleted":true,"Sig":"AP8H"}')
    expect(parseEntry(json)).toEqual(entry)
  })

  it('keeps a nil Sig and an empty Sig apart', () => {
    const empty = parseEntry('{"Value":"x","Sig":""}')
    expect(empty.sig).toEqual(new Uint8Array(0))
    expect(encodeEntry(empty)).toBe('{"Value":"x","Owner":"","Version":0,"UpdatedAt":0,"Deleted":false,"Sig":""}')
    const nil = parseEntry('{"Value":"x","Sig":null}')
    expect(nil.sig).toBeNull()
    expect(encodeEntry(nil)).toBe('"x"')
  })

  it('matches member names case-insensitively, last one wins, unknown ignored', () => {
    const entry = parseEntry('{"value":"a","VALUE":"b","owner":"o","verſion":3,"Extra":[1],"sig":[1,2]}')
    expect(entry).toMatchObject({ value: 'b', owner: 'o', version: 3n, sig: Uint8Array.of(1, 2) })
  })

  it('rejects what Go rejects', () => {
    for (const bad of ['{"Version":1e3}', '{"Version":-1}', '{"Version":1.0}', '{"Version":18446744073709551616}',
      '{"UpdatedAt":9223372036854775808}', '{"Sig":"AQI"}', '{"Sig":"AQ-D"}', '{"Value":5}', '{"Deleted":"yes"}', '5', '[]', 'true',
      '{"Sig":[256]}']) {
      expect(() => parseEntry(bad), bad).toThrow(LedgerDecodeError)
    }
    expect(parseEntry('{"Sig":"AQ\\r\\nID"}').sig).toEqual(Uint8Array.of(1, 2, 3))
    expect(decodeEntry('plain')).toEqual(legacyEntry('plain'))
  })

  it('rejects a whole block when one entry is malformed', () => {
    expect(() => parseBlock('{"Index":1,"Storage":{"b":{"ok":"\\"v\\"","bad":{"Version":1e18}}}}')).toThrow(/Storage\.b\.bad: Version/)
    expect(() => parseBlock('{"Index":1.5}')).toThrow(LedgerDecodeError)
    expect(() => parseBlock('[]')).toThrow(LedgerDecodeError)
    expect(parseBlock('{"index":3,"storage":{"b":null},"HASH":"h"}')).toMatchObject({ index: 3, hash: 'h', prevHash: '' })
  })
})
