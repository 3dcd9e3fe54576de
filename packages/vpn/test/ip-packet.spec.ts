import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { checkIpPacket, declaredIpLength, ipv4Destination, ipv4Source, ipv6DestinationText, ipv6SourceEquals } from '../src/ip-packet.js'
import { parseIPv4, parseIPv6 } from '@edgevpn/go-compat'
import { ipv4Udp, ipv6Udp } from './fixtures/ip-packets.js'

const payload = new TextEncoder().encode('hello')

describe('IPv4 packets', () => {
  const packet = ipv4Udp('10.1.0.7', '10.1.0.254', 9000, payload)

  it('reads version, addresses and length in place, also at an offset', () => {
    const padded = new Uint8Array(packet.length + 10)
    padded.set(packet, 7)
    expect(checkIpPacket(padded, 7, packet.length)).toBe(4)
    expect(ipv4Destination(padded, 7)).toBe(parseIPv4('10.1.0.254'))
    expect(ipv4Source(padded, 7)).toBe(parseIPv4('10.1.0.7'))
    expect(declaredIpLength(padded, 7, packet.length)).toBe(packet.length)
  })

  it('gives destinations above 2^31 as unsigned numbers', () => {
    expect(ipv4Destination(ipv4Udp('10.1.0.7', '250.1.2.3', 1, payload), 0)).toBe(0xfa010203)
  })

  it('reports truncated and inconsistent headers', () => {
    expect(checkIpPacket(packet, 0, 19)).toBe('truncated')
    expect(checkIpPacket(packet, 0, packet.length - 1)).toBe('truncated')
    const shortIhl = packet.slice()
    shortIhl[0] = 0x44
    expect(checkIpPacket(shortIhl, 0, shortIhl.length)).toBe('bad-length')
    const tinyTotal = packet.slice()
    tinyTotal[2] = 0
    tinyTotal[3] = 10
    expect(checkIpPacket(tinyTotal, 0, tinyTotal.length)).toBe('bad-length')
    expect(declaredIpLength(tinyTotal, 0, tinyTotal.length)).toBe(-1)
  })
})

describe('IPv6 packets', () => {
  const source = parseIPv6('fd00::7') as Uint8Array
  const destination = parseIPv6('fd00:0:0:1::20') as Uint8Array
  const packet = ipv6Udp(source, destination, 9000, payload)

  it('reads version, addresses and length', () => {
    expect(checkIpPacket(packet, 0, packet.length)).toBe(6)
    expect(ipv6DestinationText(packet, 0)).toBe('fd00:0:0:1::20')
    expect(ipv6SourceEquals(packet, 0, source)).toBe(true)
    expect(ipv6SourceEquals(packet, 0, destination)).toBe(false)
    expect(declaredIpLength(packet, 0, 6)).toBe(packet.length)
    expect(declaredIpLength(packet, 0, 5)).toBe(0)
  })

  it('reports truncation', () => {
    expect(checkIpPacket(packet, 0, 39)).toBe('truncated')
    expect(checkIpPacket(packet, 0, packet.length - 1)).toBe('truncated')
  })
})

describe('garbage', () => {
  it('is never accepted and never throws', () => {
    expect(checkIpPacket(new Uint8Array(0), 0, 0)).toBe('truncated')
    expect(checkIpPacket(Uint8Array.of(0x50, 1, 2, 3), 0, 4)).toBe('unknown-version')
    expect(declaredIpLength(Uint8Array.of(0x00), 0, 1)).toBe(-1)
    for (let i = 0; i < 2000; i++) {
      const bytes = randomBytes(1 + (i % 80))
      const verdict = checkIpPacket(bytes, 0, bytes.length)
      if (verdict === 4) expect(bytes.length).toBeGreaterThanOrEqual(20)
      if (verdict === 6) expect(bytes.length).toBeGreaterThanOrEqual(40)
    }
  })
})
