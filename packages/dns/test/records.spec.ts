import { Ledger } from '@edgevpn/ledger'
import { describe, expect, it } from 'vitest'
import {
  DnsRecordTextError, decodeDnsRecordValue, dnsRecordTypeName, dnsRecordTypeNumber, listDnsRecords, putDnsRecord,
  recordData
} from '../src/index.js'

describe('record types', () => {
  it('translates mnemonics and numbers like Go, unknown → 0', () => {
    expect(['A', 'AAAA', 'CNAME', 'TXT', 'MX', 'SRV', 'PTR'].map(dnsRecordTypeNumber)).toEqual([1, 28, 5, 16, 15, 33, 12])
    expect(dnsRecordTypeNumber('a')).toBe(0)
    expect(dnsRecordTypeNumber('BOGUS')).toBe(0)
    expect(dnsRecordTypeNumber('TYPE65280')).toBe(65280)
    expect([1, 28, 33].map(dnsRecordTypeName)).toEqual(['A', 'AAAA', 'SRV'])
    expect(dnsRecordTypeName(65280)).toBe('TYPE65280')
  })
})

describe('ledger helpers', () => {
  it('stores Go\'s numeric-keyed map, keys sorted as decimal strings (errata D5)', async () => {
    const ledger = new Ledger()
    await putDnsRecord(ledger, 'x\\.', { A: '2.2.2.2', AAAA: '::1', CNAME: 'x', TXT: 't' })
    expect(ledger.getRaw('dns', 'x\\.')).toBe('{"1":"2.2.2.2","16":"t","28":"::1","5":"x"}')
    expect(listDnsRecords(ledger)).toEqual([{ Regex: 'x\\.', Records: { A: '2.2.2.2', AAAA: '::1', CNAME: 'x', TXT: 't' } }])
  })

  it('decodes stored values leniently, as Go does when it ignores the Unmarshal error', () => {
    expect([...decodeDnsRecordValue('{"1":"a","x":"b","28":5,"70000":"c","5":"d","1":"e"}')]).toEqual([[1, 'e'], [5, 'd']])
    expect(decodeDnsRecordValue('"text"').size).toBe(0)
    expect(decodeDnsRecordValue('{broken').size).toBe(0)
  })
})

describe('record text', () => {
  it('encodes rdata like dns.NewRR', () => {
    expect([...recordData(1, '10.1.0.5')]).toEqual([10, 1, 0, 5])
    expect([...recordData(1, '10.1.0.5 ; comment')]).toEqual([10, 1, 0, 5])
    expect([...recordData(5, 'relative')]).toEqual([8, ...Buffer.from('relative'), 0])
    expect([...recordData(15, '10 mx.example.')]).toEqual([0, 10, 2, ...Buffer.from('mx'), 7, ...Buffer.from('example'), 0])
    expect([...recordData(16, '"a b" c\\"')]).toEqual([3, 0x61, 0x20, 0x62, 2, 0x63, 0x22])
    expect(recordData(16, 'x'.repeat(300)).length).toBe(302) // split into 255 + 45
    expect([...recordData(99, '\\# 3 abcdef')]).toEqual([0xab, 0xcd, 0xef])
  })

  it.each([
    [1, '010.1.0.5'], [1, '::1'], [1, '1.2.3.4 5.6.7.8'], [28, '10.1.0.5'], [28, 'fe80::1%eth0'], [15, 'mx.example.'],
    [33, '1 2 70000 x.'], [5, 'a..b'], [16, '"open'], [6, 'ns. admin. 1 2 3 4 5']
  ])('rejects type %i text %j', (type, text) => {
    expect(() => recordData(type, text)).toThrow(DnsRecordTextError)
  })
})
