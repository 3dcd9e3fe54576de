import { APPENDIX_A_TIME_MS, appendixANetwork } from '@edgevpn/test/support/appendix-a'
import { describe, expect, it } from 'vitest'
import { RecentValues, dhcpLeaseFileName, dhtRendezvous, ledgerTopic, md5Hex, publicTopic, sealKey, totp } from '@edgevpn/mesh-core'
import type { NetworkConfig } from '@edgevpn/mesh-core'

/** Appendix A time T = 1700000000 s; counter 1700000000 / 360 = 4722222. */
const T = APPENDIX_A_TIME_MS
const MAX_INT64 = 9223372036854775807n

const sample = appendixANetwork()

function withOtp (dht: Partial<NetworkConfig['otp']['dht']>, crypto: Partial<NetworkConfig['otp']['crypto']> = {}): NetworkConfig {
  return { ...sample, otp: { dht: { ...sample.otp.dht, ...dht }, crypto: { ...sample.otp.crypto, ...crypto } } }
}

describe('OTP derivations (Appendix A.2)', () => {
  it('computes the raw TOTPs', () => {
    expect(totp(sample.otp.dht.key, 360n, 43, T)).toBe('E597aIQaAWQFNDk9BbbecVj4gHI/vjE5NghLq5HiEQw')
    expect(totp(sample.room, 360n, 43, T)).toBe('tR8nNLJ/FZ1WNdBUf0zpfN8dB6YEVuXAfnp3bfptdVw')
    expect(totp(sample.otp.crypto.key, 360n, 43, T)).toBe('i6v+VcNiscLsOWrybxBl7fOUaoPef77tK1DX03ipvMU')
  })

  it('derives the DHT rendezvous, topics, seal key and lease file name', () => {
    expect(dhtRendezvous(sample, T)).toBe('7e50db5c99a38438fb3484b5659f77c6')
    expect(ledgerTopic(sample, T)).toBe('1112ce7dcc7309003c53568be554f1e5')
    expect(publicTopic(sample, T)).toBe('f78d1f6b4cbb99ba0e74eb26be7409b1')
    expect(sealKey(sample, T).toString('ascii')).toBe('8dbe7ca3f6eefdca6a55d3f70aa41422')
    expect(sealKey(sample, T).toString('hex')).toBe('3864626537636133663665656664636136613535643366373061613431343232')
    expect(dhcpLeaseFileName(sample)).toBe('483af33a98ef35d1f90073fa10235f4e')
  })

  it('keeps 6 characters for length 0 (and negative), 12 when asked', () => {
    const key = sample.otp.crypto.key
    expect(totp(key, 360n, 0, T)).toBe('i6v+Vc')
    expect(totp(key, 360n, -3, T)).toBe('i6v+Vc')
    expect(totp(key, 360n, 12, T)).toBe('i6v+VcNiscLs')
  })

  it('uses 12 characters for a DHT length of 0 but 6 for a negative one', () => {
    const key = sample.otp.dht.key
    expect(dhtRendezvous(withOtp({ length: 0 }), T)).toBe(md5Hex(totp(key, 360n, 12, T)))
    expect(dhtRendezvous(withOtp({ length: -1 }), T)).toBe(md5Hex(totp(key, 360n, 6, T)))
  })

  it('uses the static rendezvous when the DHT key is empty', () => {
    expect(dhtRendezvous(withOtp({ key: '', interval: 0n }), T)).toBe(sample.rendezvous)
  })

  it('never rotates with the Kairos MaxInt64 interval or a negative one (counter 0)', () => {
    const key = sample.otp.crypto.key
    const counterZero = 'qiIFJbylIfnmKfydxpTjDF0CFhx6PBYjZxkpOrD/35I'
    expect(totp(key, MAX_INT64, 43, T)).toBe(counterZero)
    expect(totp(key, -1n, 43, T)).toBe(counterZero)
    expect(totp(key, -360n, 43, Date.now())).toBe(counterZero)
    expect(sealKey(withOtp({}, { interval: -60n }), T)).toEqual(sealKey(withOtp({}, { interval: MAX_INT64 }), 0))
  })

  it('rejects what makes Go crash', () => {
    expect(() => totp('k', 0n, 6, T)).toThrow(RangeError)
    expect(() => totp('k', 360n, 45, T)).toThrow(RangeError)
  })

  it('rotates exactly at a period boundary', () => {
    const boundary = 4_722_223 * 360 * 1000
    expect(ledgerTopic(sample, boundary - 1000)).toBe(ledgerTopic(sample, T))
    expect(ledgerTopic(sample, boundary)).not.toBe(ledgerTopic(sample, boundary - 1))
    expect(ledgerTopic(sample, boundary)).toBe(ledgerTopic(sample, boundary + 359_999))
    expect(sealKey(sample, boundary)).not.toEqual(sealKey(sample, boundary - 1))
    expect(dhtRendezvous(sample, boundary)).not.toBe(dhtRendezvous(sample, boundary - 1))
  })
})

describe('RecentValues', () => {
  it('keeps the last two distinct values by default', () => {
    const ring = new RecentValues()
    ring.push('a')
    expect(ring.list()).toEqual(['a'])
    ring.push('b')
    ring.push('c')
    expect(ring.list()).toEqual(['b', 'c'])
  })

  it('keeps the last three with size 3', () => {
    const ring = new RecentValues(3)
    for (const value of ['a', 'b', 'c', 'd']) ring.push(value)
    expect(ring.list()).toEqual(['b', 'c', 'd'])
  })

  it('ignores a repeat of the newest value but not of an older one', () => {
    const ring = new RecentValues(2)
    ring.push('a')
    ring.push('b')
    ring.push('b')
    expect(ring.list()).toEqual(['a', 'b'])
    ring.push('a')
    expect(ring.list()).toEqual(['b', 'a'])
  })

  it('holds both rendezvous values across a rotation', () => {
    const ring = new RecentValues(2)
    const boundary = 4_722_223 * 360 * 1000
    for (const now of [boundary - 2000, boundary - 1000, boundary, boundary + 1000]) ring.push(dhtRendezvous(sample, now))
    expect(ring.list()).toEqual([dhtRendezvous(sample, boundary - 1), dhtRendezvous(sample, boundary)])
  })

  it('returns a copy', () => {
    const ring = new RecentValues()
    ring.push('a')
    ring.list().push('x')
    expect(ring.list()).toEqual(['a'])
  })
})
