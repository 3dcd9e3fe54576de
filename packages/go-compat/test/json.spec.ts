import { describe, expect, it } from 'vitest'
import { compareUtf8, encodeGoJson, goStruct, JsonSyntaxError, parseJson, parseJsonTree } from '@edgevpn/go-compat'

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
