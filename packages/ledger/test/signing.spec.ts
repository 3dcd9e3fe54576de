import { describe, expect, it } from 'vitest'
import { verifyEntry, versionAfter } from '../src/index.js'
import { newPeer, signedEntry } from './helpers.js'

describe('sign / verify (sign_test.go)', () => {
  it('round-trips, and fails on tampering or another owner', async () => {
    const [a, b] = [await newPeer(), await newPeer()]
    const entry = await signedEntry(a, 'machines', '10.1.0.1', { PeerID: a.id }, 5n)
    expect(await verifyEntry('machines', '10.1.0.1', entry)).toBe(true)
    expect(await verifyEntry('machines', '10.1.0.1', { ...entry, value: '{"PeerID":"x"}' })).toBe(false)
    expect(await verifyEntry('machines', '10.1.0.1', { ...entry, owner: b.id })).toBe(false)
    expect(await verifyEntry('machines', '10.1.0.2', entry)).toBe(false)
    expect(await verifyEntry('machines', '10.1.0.1', { ...entry, version: 6n })).toBe(false)
    expect(await verifyEntry('machines', '10.1.0.1', { ...entry, deleted: true })).toBe(false)
    expect(await verifyEntry('machines', '10.1.0.1', { ...entry, sig: entry.sig!.subarray(1) })).toBe(false)
    expect(await verifyEntry('machines', '10.1.0.1', { ...entry, sig: null })).toBe(false)
    expect(await verifyEntry('machines', '10.1.0.1', { ...entry, owner: 'not-a-peer-id' })).toBe(false)
    // an RSA-style (sha256 multihash) peer ID embeds no key
    expect(await verifyEntry('machines', '10.1.0.1', { ...entry, owner: 'QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N' })).toBe(false)
  })

  it('versionAfter = max(prev + 1, now)', () => {
    expect(versionAfter(0n, 1000n)).toBe(1000n)
    expect(versionAfter(5000n, 1000n)).toBe(5001n)
    expect(versionAfter(999n, 1000n)).toBe(1000n)
  })
})
