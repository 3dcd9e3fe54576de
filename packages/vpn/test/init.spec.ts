import { describe, expect, it } from 'vitest'
import { resolveVpnInit } from '../src/vpn-init.js'
import { VpnConfigError } from '../src/vpn-config-error.js'

describe('VPN options', () => {
  it("has Go edgevpn's defaults", () => {
    expect(resolveVpnInit()).toMatchObject({
      interfaceName: 'edgevpn0', cidrs: ['10.1.0.1/24'], addresses: ['10.1.0.1'], mtu: 1200, packetMtu: 1420, timeout: 15_000,
      announceInterval: 10_000, wireProtocol: 'auto', router: undefined, staticPeerTable: undefined
    })
  })

  it('accepts an IPv6 --address or an extra IPv6 address, keyed in Go text form', () => {
    expect(resolveVpnInit({ address: 'FD00:0::1/64', mtu: 1400 })).toMatchObject({ addresses: ['fd00::1'], ipv6Cidr: 'FD00:0::1/64', ipv4Cidr: undefined })
    expect(resolveVpnInit({ ipv6: 'fd00::1/64', mtu: 1400 }).addresses).toEqual(['10.1.0.1', 'fd00::1'])
  })

  it.each([
    [{ mtu: 1500 }, /--packet-mtu 1420 is below --mtu 1500/],
    [{ mtu: 0 }, /--mtu must be a positive integer/],
    [{ address: '10.1.0.1' }, /--address "10.1.0.1" is not an IP address with a prefix length/],
    [{ address: '10.1.0.1/33' }, /--address: .*prefix length must be 0 to 32/],
    [{ ipv6: '10.1.0.9/24' }, /--ipv6 "10.1.0.9\/24" is not an IPv6 address/],
    [{ router: 'gateway' }, /--router "gateway" is not an IP address/],
    [{ staticPeerTable: ['10.1.0.2:x'] }, /"x" is not a peer ID/],
    [{ timeout: -1 }, /--timeout must be a positive integer/]
  ])('rejects %j', (init, message) => {
    expect(() => resolveVpnInit(init)).toThrow(VpnConfigError)
    expect(() => resolveVpnInit(init)).toThrow(message)
  })
})
