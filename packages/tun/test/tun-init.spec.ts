import { describe, expect, it } from 'vitest'
import { checkInterfaceName, parseCidr, resolveTunInit, TunError } from '@edgevpn/tun'

function codeOf (action: () => unknown): string | undefined {
  try {
    action()
  } catch (error) {
    return error instanceof TunError ? error.code : String(error)
  }
  return undefined
}

describe('TunInit validation (no device is touched)', () => {
  it('applies the documented defaults', () => {
    expect(resolveTunInit({})).toEqual({
      name: 'edgevpn0',
      mtu: 1200,
      ipv4: undefined,
      ipv6: undefined,
      txQueueLen: 1000,
      maxBatch: 64,
      maxPacket: 1500,
      copy: false,
      multiQueue: false,
      vnetHdr: false
    })
    expect(resolveTunInit({ mtu: 9000 }).maxPacket).toBe(9000)
    expect(resolveTunInit({ vnetHdr: true }).maxPacket).toBe(65545)
  })

  it('parses IPv4 and IPv6 CIDRs', () => {
    expect(parseCidr('10.1.0.1/24', 4)).toEqual({ address: '10.1.0.1', prefixLength: 24 })
    expect(parseCidr('fd00::1/64', 6)).toEqual({ address: 'fd00::1', prefixLength: 64 })
    expect(resolveTunInit({ address: '10.1.0.1/0', ipv6: 'fd00::1/128', mtu: 1280 })).toMatchObject({
      ipv4: { address: '10.1.0.1', prefixLength: 0 },
      ipv6: { address: 'fd00::1', prefixLength: 128 }
    })
  })

  it.each([
    ['10.1.0.1', 4], ['10.1.0.1/33', 4], ['10.1.0.256/24', 4], ['10.1.0.1/-1', 4], ['10.1.0.1/2x', 4],
    ['fd00::1/24', 4], ['10.1.0.1/24', 6], ['fd00::1/129', 6], ['fe80::1%eth0/64', 6], ['', 6]
  ] as const)('rejects %s as IPv%s with EINVALIDADDRESS', (cidr, family) => {
    expect(codeOf(() => parseCidr(cidr, family))).toBe('EINVALIDADDRESS')
  })

  it('rejects names the kernel would refuse', () => {
    expect(checkInterfaceName('evt%d')).toBe('evt%d')
    for (const name of ['', 'a-name-too-long!', '.', '..', 'a/b', 'a:b', 'a b']) {
      expect(codeOf(() => checkInterfaceName(name)), name).toBe('EINVALIDNAME')
    }
    expect(codeOf(() => checkInterfaceName('ééééééééé'))).toBe('EINVALIDNAME')
  })

  it('rejects out-of-range options', () => {
    expect(codeOf(() => resolveTunInit({ mtu: 67 }))).toBe('EINVALIDOPTION')
    expect(codeOf(() => resolveTunInit({ mtu: 1500.5 }))).toBe('EINVALIDOPTION')
    expect(codeOf(() => resolveTunInit({ maxBatch: 0 }))).toBe('EINVALIDOPTION')
    expect(codeOf(() => resolveTunInit({ mtu: 1400, maxPacket: 1399 }))).toBe('EINVALIDOPTION')
    expect(codeOf(() => resolveTunInit({ ipv6: 'fd00::1/64' }))).toBe('EINVALIDOPTION')
    expect(codeOf(() => resolveTunInit({ txQueueLen: -1 }))).toBe('EINVALIDOPTION')
  })
})
