import { describe, expect, it } from 'vitest'
import { parseIPv4 } from '@edgevpn/go-compat'
import { DhcpConfigError, Ipv4Subnet, compareClaims, nextIp } from '../src/dhcp/index.js'

describe('nextIp (Go NextIP, spec §7.6 and errata D2)', () => {
  it('returns the base verbatim when nothing is used', () => {
    expect(nextIp('10.1.0.1', [])).toBe('10.1.0.1')
    expect(nextIp('anything', [])).toBe('anything')
  })

  it('increments the highest used address, whatever subnet the base is in', () => {
    expect(nextIp('10.1.1.0', ['1.1.0.1'])).toBe('1.1.0.2')
    expect(nextIp('10.1.0.1', ['10.1.0.1', '10.1.0.3', '10.1.0.2'])).toBe('10.1.0.4')
  })

  it('orders numerically, not as text', () => {
    expect(nextIp('10.1.0.1', ['10.1.0.10', '10.1.0.9'])).toBe('10.1.0.11')
    expect(nextIp('10.1.0.1', ['10.1.0.9', '10.1.0.10'])).toBe('10.1.0.11')
    expect(nextIp('10.1.0.1', ['9.255.255.255', '10.0.0.0'])).toBe('10.0.0.1')
  })

  it('carries over octets and does not skip .0 or .255', () => {
    expect(nextIp('10.1.0.1', ['10.1.0.254'])).toBe('10.1.0.255')
    expect(nextIp('10.1.0.1', ['10.1.0.255'])).toBe('10.1.1.0')
    expect(nextIp('10.1.0.1', ['10.255.255.255'])).toBe('11.0.0.0')
  })

  it('returns the top of the range unchanged instead of wrapping', () => {
    expect(nextIp('10.1.0.1', ['255.255.255.255'])).toBe('255.255.255.255')
    expect(nextIp('10.1.0.1', ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'])).toBe('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff')
  })

  it('ignores entries Go cannot parse, and gives "<nil>" when none parses', () => {
    expect(nextIp('10.1.0.1', ['010.1.0.4', 'garbage', '10.1.0.2', '', '10.1.0.5 ', '10.1.0.256'])).toBe('10.1.0.3')
    expect(nextIp('10.1.0.1', ['010.1.0.4', 'x'])).toBe('<nil>')
  })

  it('lets IPv6 with a nonzero first byte win over IPv4, and ::1-style addresses lose', () => {
    expect(nextIp('10.1.0.1', ['10.1.0.7', 'fd00::5'])).toBe('fd00::6')
    expect(nextIp('10.1.0.1', ['10.1.0.7', '::1'])).toBe('10.1.0.8')
    // a v4-mapped IPv6 text is the IPv4 address, incremented over 4 bytes
    expect(nextIp('10.1.0.1', ['::ffff:10.1.0.9'])).toBe('10.1.0.10')
  })
})

describe('Ipv4Subnet', () => {
  it('knows host, network and broadcast addresses for any prefix up to /30', () => {
    const s24 = new Ipv4Subnet('10.1.0.77', 24)
    expect(s24.toString()).toBe('10.1.0.0/24')
    expect(['10.1.0.1', '10.1.0.254'].every(a => s24.isHostText(a))).toBe(true)
    expect(['10.1.0.0', '10.1.0.255', '10.1.1.1', '010.1.0.1', 'fd00::1'].some(a => s24.isHostText(a))).toBe(false)
    const s30 = new Ipv4Subnet('192.168.5.6', 30)
    expect(s30.toString()).toBe('192.168.5.4/30')
    expect(['192.168.5.5', '192.168.5.6'].every(a => s30.isHostText(a))).toBe(true)
    expect(['192.168.5.4', '192.168.5.7'].some(a => s30.isHostText(a))).toBe(false)
    expect(new Ipv4Subnet('172.16.200.1', 12).isHostText('172.31.255.254')).toBe(true)
  })

  it('finds the first free host from a start address, wrapping around', () => {
    const subnet = new Ipv4Subnet('10.1.0.1', 29)
    const taken = new Set(['10.1.0.1', '10.1.0.2', '10.1.0.6'])
    const free = (a: string): boolean => !taken.has(a)
    expect(subnet.firstHost(parseIPv4('10.1.0.1')!, free)).toBe('10.1.0.3')
    expect(subnet.firstHost(parseIPv4('10.1.0.6')!, free)).toBe('10.1.0.3')
    expect(subnet.firstHost(parseIPv4('10.1.0.5')!, free)).toBe('10.1.0.5')
    expect(subnet.firstHost(parseIPv4('99.0.0.1')!, free)).toBe('10.1.0.3')
    expect(subnet.firstHost(0, () => false)).toBeUndefined()
  })

  it('rejects an IPv6 or malformed base and prefixes without host addresses', () => {
    expect(() => new Ipv4Subnet('fd00::1', 64)).toThrow(DhcpConfigError)
    expect(() => new Ipv4Subnet('10.1.0', 24)).toThrow(/"10.1.0" is not an IPv4 address/)
    expect(() => new Ipv4Subnet('10.1.0.1', 31)).toThrow(/prefix length 31/)
    expect(() => new Ipv4Subnet('10.1.0.1', 24.5)).toThrow(DhcpConfigError)
  })
})

describe('claim order', () => {
  it('puts the earlier claim first, then the lower peer ID, the same way from either side', () => {
    const a = { peerId: '12D3KooWA', address: '10.1.0.1', since: 100 }
    const b = { peerId: '12D3KooWB', address: '10.1.0.1', since: 100 }
    const c = { peerId: '12D3KooW0', address: '10.1.0.1', since: 101 }
    expect([c, b, a].sort(compareClaims)).toEqual([a, b, c])
    expect([a, c, b].sort(compareClaims)).toEqual([a, b, c])
  })
})
