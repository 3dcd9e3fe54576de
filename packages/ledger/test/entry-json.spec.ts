import { describe, expect, it } from 'vitest'
import { decodeEntry, encodeEntry, legacyEntry, LedgerDecodeError, parseBlock, parseEntry } from '@edgevpn/ledger'

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
