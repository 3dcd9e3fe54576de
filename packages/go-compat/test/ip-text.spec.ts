import { describe, expect, it } from 'vitest'
import { canonicalIpText, formatIPv6, parseIp, parseIPv4, parseIPv6 } from '@edgevpn/go-compat'

describe('IP text with net.ParseIP rules', () => {
  it('reads dotted quads and refuses what Go refuses', () => {
    expect(parseIPv4('10.1.0.1')).toBe(0x0a010001)
    expect(parseIPv4('255.255.255.255')).toBe(0xffffffff)
    expect(parseIPv4('0.0.0.0')).toBe(0)
    for (const bad of ['010.1.0.1', '10.1.0.01', '256.1.0.1', '10.1.0', '10.1.0.1.2', ' 10.1.0.1', '10.1.0.1 ', '1e1.1.0.1', '+1.1.0.1', '']) {
      expect(parseIPv4(bad), bad).toBeUndefined()
    }
  })

  it('reads IPv6 in every valid form and refuses zones and bad groups', () => {
    expect(formatIPv6(parseIPv6('fd00::5') as Uint8Array)).toBe('fd00::5')
    expect(formatIPv6(parseIPv6('FD00:0:0:0:0:0:0:0005') as Uint8Array)).toBe('fd00::5')
    expect(formatIPv6(parseIPv6('::ffff:10.1.0.1') as Uint8Array)).toBe('10.1.0.1')
    expect(formatIPv6(parseIPv6('::') as Uint8Array)).toBe('::')
    expect(formatIPv6(parseIPv6('1:0:0:2:0:0:0:3') as Uint8Array)).toBe('1:0:0:2::3')
    for (const bad of ['fe80::1%eth0', '1::2::3', '12345::', '::ffff:010.1.0.1', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8:9', 'g::1', ':::']) {
      expect(parseIPv6(bad), bad).toBeUndefined()
    }
  })

  it('gives the same answer whichever entry point a caller uses', () => {
    for (const text of ['10.1.0.1', '010.1.0.1', 'fd00::1', '::ffff:1.2.3.4', 'fe80::1%eth0', 'nope']) {
      const bytes = parseIp(text)
      expect(bytes === undefined, text).toBe(canonicalIpText(text) === undefined)
    }
    expect(parseIp('10.1.0.1')).toEqual(Uint8Array.of(10, 1, 0, 1))
    expect(parseIp('fd00::1')?.length).toBe(16)
  })
})

describe("Go's text forms (net.IP.String)", () => {
  it.each([
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['::', '::'],
    ['::1', '::1'],
    ['1::', '1::'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // a single zero group is not shortened
    ['1:0:0:1:0:0:0:1', '1:0:0:1::1'], // the longest run
    ['1:0:0:1:1:0:0:1', '1::1:1:0:0:1'], // the first of equal runs
    ['FE80::ABCD:EF01', 'fe80::abcd:ef01'],
    ['::ffff:10.1.0.3', '10.1.0.3'], // IPv4-mapped prints as IPv4
    ['::ffff:a01:3', '10.1.0.3'],
    ['::1.2.3.4', '::102:304'], // IPv4-compatible does not
    ['64:ff9b::192.0.2.33', '64:ff9b::c000:221']
  ])('%s -> %s', (text, expected) => {
    const bytes = parseIPv6(text) as Uint8Array
    expect(formatIPv6(bytes, 0)).toBe(expected)
    expect(canonicalIpText(text)).toBe(expected)
  })

  it('dotted quads and invalid text', () => {
    expect(canonicalIpText('10.1.0.1')).toBe('10.1.0.1')
    expect(canonicalIpText('10.1.0.01')).toBeUndefined()
    expect(canonicalIpText('10.1.0.256')).toBeUndefined()
    expect(canonicalIpText('fe80::1%eth0')).toBeUndefined()
    expect(canonicalIpText('1:2:3:4:5:6:7:8:9')).toBeUndefined()
    expect(canonicalIpText('peer')).toBeUndefined()
  })
})
