/**
 * The per-owner entry limit (docs/security.md, resource bounds): under `enforce` a member cannot
 * grow the owned buckets past `maxEntriesPerOwner` live entries; the rest is rejected and
 * reported as violations. Updates, other owners and open buckets are not affected.
 */
import { describe, expect, it } from 'vitest'
import { enforcedLedger, feed, heartbeat, newPeer, signedEntry, tombstone } from './helpers.js'

describe('entries per owner', () => {
  it('rejects new keys beyond the limit, counted, and keeps taking updates and other owners', async () => {
    const { ledger, warnings } = enforcedLedger({ maxEntriesPerOwner: 3 })
    const [flooder, other] = [await newPeer(), await newPeer()]
    await heartbeat(ledger, flooder)
    const services = async (peer: typeof flooder, names: string[], version: bigint): ReturnType<typeof feed> => await feed(ledger, {
      services: Object.fromEntries(await Promise.all(names.map(async name => [name, await signedEntry(peer, 'services', name, { PeerID: peer.id, Name: name }, version)])))
    })
    // the heartbeat is one of the flooder's entries: two services fit, the rest do not
    const flood = await services(flooder, ['a', 'b', 'c', 'd', 'e'], 1n)
    expect(flood.violations.map(v => [v.key, v.reason])).toEqual([['c', 'entry limit of the owner reached'], ['d', 'entry limit of the owner reached'], ['e', 'entry limit of the owner reached']])
    expect([...ledger.list('services').keys()].sort()).toEqual(['a', 'b'])
    expect(warnings.filter(w => w.includes('entry limit of the owner reached'))).toHaveLength(3)
    expect(ledger.rejections().get('entry limit of the owner reached')).toBe(3)

    expect((await services(flooder, ['a'], 2n)).violations).toEqual([])
    expect((await services(other, ['x', 'y'], 1n)).violations).toEqual([])
    expect(await feed(ledger, { open: { k1: await signedEntry(flooder, 'open', 'k1', 'v', 1n), k2: await signedEntry(flooder, 'open', 'k2', 'v', 1n) } }))
      .toMatchObject({ violations: [] })
  })

  it('gives the slot back when the owner deletes an entry', async () => {
    const { ledger } = enforcedLedger({ maxEntriesPerOwner: 2 })
    const peer = await newPeer()
    await heartbeat(ledger, peer)
    const entry = async (name: string): ReturnType<typeof signedEntry> => await signedEntry(peer, 'services', name, { PeerID: peer.id, Name: name }, 1n)
    expect((await feed(ledger, { services: { a: await entry('a') } })).violations).toEqual([])
    expect((await feed(ledger, { services: { b: await entry('b') } })).violations.map(v => v.reason)).toEqual(['entry limit of the owner reached'])
    expect((await feed(ledger, { services: { a: await tombstone(peer, 'services', 'a', 2n) } })).violations).toEqual([])
    expect((await feed(ledger, { services: { b: await entry('b') } })).violations).toEqual([])
  })
})
