import { describe, expect, it } from 'vitest'
import {
  digestKey, encodeBlock, entryDigest, GENESIS_HASH, legacyEntry, Ledger, MemoryBlockStore, newBlock, verifyEntry
} from '../src/index.js'
import type { Block } from '../src/index.js'
import { enforcedLedger, feed, heartbeat, machine, newPeer, NOW_MS, signedEntry, storageOf, tombstone } from './helpers.js'

const IP = '10.1.0.1'

function storedOwner (ledger: Ledger, bucket: string, key: string): string | undefined {
  return (ledger.get(bucket, key) as Record<string, string> | undefined)?.PeerID
}

describe('authorised merge, enforce (merge_test.go)', () => {
  it("accepts an owner's own write, making a block without broadcasting it", async () => {
    const broadcasts: Block[] = []
    const { ledger } = enforcedLedger()
    ledger.onLocalBlock(block => broadcasts.push(block))
    const a = await newPeer()
    const result = await feed(ledger, { machines: { [IP]: await signedEntry(a, 'machines', IP, machine(a.id, IP), 1n) } })
    expect(result).toMatchObject({ blockAdded: true, violations: [] })
    expect(result.changes).toEqual([{ bucket: 'machines', key: IP, value: `{"Address":"${IP}","PeerID":"${a.id}"}`, deleted: false, origin: 'remote' }])
    expect(storedOwner(ledger, 'machines', IP)).toBe(a.id)
    expect(ledger.index()).toBe(1)
    expect(broadcasts).toEqual([])
  })

  it("rejects a hijack of a live owner's entry", async () => {
    const { ledger, warnings } = enforcedLedger()
    const [a, b] = [await newPeer(), await newPeer()]
    await heartbeat(ledger, a)
    await feed(ledger, { machines: { [IP]: await signedEntry(a, 'machines', IP, machine(a.id, IP), 1n) } })
    const index = ledger.index()
    const result = await feed(ledger, { machines: { [IP]: await signedEntry(b, 'machines', IP, machine(b.id, IP), 2n) } })
    expect(result.violations).toEqual([{ bucket: 'machines', key: IP, owner: b.id, reason: 'overwrite of a live entry owned by another peer', accepted: false }])
    expect(result.blockAdded).toBe(false)
    expect(ledger.index()).toBe(index)
    expect(storedOwner(ledger, 'machines', IP)).toBe(a.id)
    expect(warnings).toEqual([`ownership violation (rejected): machines/${IP} from ${b.id}: overwrite of a live entry owned by another peer`])
  })

  it('accepts the same hijack in observe mode, with a warning', async () => {
    const { ledger, warnings } = enforcedLedger({ mode: 'observe' })
    const [a, b] = [await newPeer(), await newPeer()]
    await heartbeat(ledger, a)
    await feed(ledger, { machines: { [IP]: await signedEntry(a, 'machines', IP, machine(a.id, IP), 1n) } })
    await feed(ledger, { machines: { [IP]: await signedEntry(b, 'machines', IP, machine(b.id, IP), 2n) } })
    expect(storedOwner(ledger, 'machines', IP)).toBe(b.id)
    expect(warnings[0]).toBe(`ownership violation (observe, accepting): machines/${IP} from ${b.id}: overwrite of a live entry owned by another peer`)
  })

  it('rejects a rollback to an older version', async () => {
    const { ledger } = enforcedLedger()
    const a = await newPeer()
    await feed(ledger, { machines: { [IP]: await signedEntry(a, 'machines', IP, machine(a.id, '10.9.9.9'), 2n) } })
    const result = await feed(ledger, { machines: { [IP]: await signedEntry(a, 'machines', IP, machine(a.id, '10.0.0.0'), 1n) } })
    expect(result.violations.map(v => v.reason)).toEqual(['rollback to an older version'])
    expect((ledger.get('machines', IP) as Record<string, string>).Address).toBe('10.9.9.9')
  })

  it('rejects a forged signature, an unsigned entry and a value naming another owner', async () => {
    const { ledger } = enforcedLedger()
    const [a, b] = [await newPeer(), await newPeer()]
    const forged = { ...await signedEntry(a, 'machines', IP, machine(a.id, IP), 1n), sig: new TextEncoder().encode('garbage') }
    const other = await signedEntry(a, 'machines', '10.1.0.2', machine(b.id, '10.1.0.2'), 1n)
    const result = await feed(ledger, { machines: { [IP]: forged, '10.1.0.3': legacyEntry('{"PeerID":"x"}'), '10.1.0.2': other } })
    expect(result.violations.map(v => v.reason).sort()).toEqual(['invalid signature', 'invalid signature', 'value owner does not match signer'])
    expect(ledger.getRaw('machines', IP)).toBeUndefined()
    expect(ledger.index()).toBe(0)
  })

  it('allows a reclaim once the owner has no heartbeat', async () => {
    const { ledger } = enforcedLedger()
    const [a, b] = [await newPeer(), await newPeer()]
    await feed(ledger, { machines: { [IP]: await signedEntry(a, 'machines', IP, machine(a.id, IP), 1n) } })
    await feed(ledger, { machines: { [IP]: await signedEntry(b, 'machines', IP, machine(b.id, IP), 2n) } })
    expect(storedOwner(ledger, 'machines', IP)).toBe(b.id)
  })

  it('blocks a DNS hijack through first claim', async () => {
    const { ledger } = enforcedLedger()
    const [a, b] = [await newPeer(), await newPeer()]
    await heartbeat(ledger, a)
    await feed(ledger, { dns: { 'foo.internal': await signedEntry(a, 'dns', 'foo.internal', { 1: '10.0.0.5' }, 1n) } })
    await feed(ledger, { dns: { 'foo.internal': await signedEntry(b, 'dns', 'foo.internal', { 1: '6.6.6.6' }, 2n) } })
    expect(ledger.get('dns', 'foo.internal')).toEqual({ 1: '10.0.0.5' })
  })

  it('makes no block and no warning for a byte-identical re-broadcast (owned and open buckets)', async () => {
    const { ledger, warnings } = enforcedLedger()
    const a = await newPeer()
    const owned = await signedEntry(a, 'machines', IP, machine(a.id, IP), 1n)
    const open = await signedEntry(a, 'nodes', 'k', 'v', 1n)
    await feed(ledger, { machines: { [IP]: owned }, nodes: { k: open } })
    const index = ledger.index()
    // feed() sends wire JSON, so the entries arrive as new objects equal by value
    const result = await feed(ledger, { machines: { [IP]: owned }, nodes: { k: open } })
    expect(result).toMatchObject({ blockAdded: false, violations: [], changes: [] })
    expect(ledger.index()).toBe(index)
    expect(warnings).toEqual([])
  })

  it('open buckets take only new keys or strictly higher versions, without signature checks', async () => {
    const { ledger } = enforcedLedger()
    await feed(ledger, { dhcp: { leader: legacyEntry('"p1"') } })
    expect(ledger.get('dhcp', 'leader')).toBe('p1')
    await feed(ledger, { dhcp: { leader: legacyEntry('"p2"') } })
    expect(ledger.get('dhcp', 'leader')).toBe('p1')
    await feed(ledger, { dhcp: { leader: { ...legacyEntry('"p3"'), owner: 'whoever', version: 5n } } })
    expect(ledger.get('dhcp', 'leader')).toBe('p3')
  })

  it('lets a valid owner re-claim a key cleared by a foreign (reaper) tombstone', async () => {
    const { ledger } = enforcedLedger()
    const [a, reaper] = [await newPeer(), await newPeer()]
    await heartbeat(ledger, reaper)
    await feed(ledger, { machines: { [IP]: await signedEntry(a, 'machines', IP, machine(a.id, IP), 1n) } })
    await feed(ledger, { machines: { [IP]: await tombstone(reaper, 'machines', IP, 2n) } })
    expect(ledger.getRaw('machines', IP)).toBeUndefined()
    const stale = await feed(ledger, { machines: { [IP]: await signedEntry(a, 'machines', IP, machine(a.id, IP), 2n) } })
    expect(stale.violations.map(v => v.reason)).toEqual(['stale re-claim over tombstone'])
    await feed(ledger, { machines: { [IP]: await signedEntry(a, 'machines', IP, machine(a.id, IP), 3n) } })
    expect(storedOwner(ledger, 'machines', IP)).toBe(a.id)
  })

  it('checks tombstones: unknown key, non-owner of a live entry, stale', async () => {
    const { ledger } = enforcedLedger()
    const [a, b] = [await newPeer(), await newPeer()]
    await heartbeat(ledger, a)
    const first = await feed(ledger, { machines: { '10.9.9.9': await tombstone(a, 'machines', '10.9.9.9', 5n) } })
    await feed(ledger, { machines: { [IP]: await signedEntry(a, 'machines', IP, machine(a.id, IP), 5n) } })
    const second = await feed(ledger, { machines: { [IP]: await tombstone(b, 'machines', IP, 9n) } })
    const third = await feed(ledger, { machines: { [IP]: await tombstone(a, 'machines', IP, 5n) } })
    expect([first, second, third].flatMap(r => r.violations.map(v => v.reason)))
      .toEqual(['tombstone for unknown key', 'tombstone by non-owner of a live entry', 'stale tombstone'])
    expect(storedOwner(ledger, 'machines', IP)).toBe(a.id)
  })

  it('breaks equal-version ties by owner, then signature bytes', async () => {
    const { ledger } = enforcedLedger()
    const a = await newPeer()
    const one = await signedEntry(a, 'users', a.id, 'one', 7n)
    const two = await signedEntry(a, 'users', a.id, 'two', 7n)
    const [low, high] = Buffer.compare(one.sig as Uint8Array, two.sig as Uint8Array) < 0 ? [one, two] : [two, one]
    await feed(ledger, { users: { [a.id]: high } })
    const result = await feed(ledger, { users: { [a.id]: low } })
    expect(result.violations.map(v => v.reason)).toEqual(['lost deterministic tie-break'])
    expect(ledger.getRaw('users', a.id)).toBe(high.value)
  })

  it('makes DeleteBucket remove the bucket from currentData and hides tombstones', async () => {
    const a = await newPeer()
    const { ledger } = enforcedLedger({ signer: a.key })
    await ledger.put('mybucket', 'k', 'v')
    expect(ledger.currentData().has('mybucket')).toBe(true)
    expect(await ledger.deleteBucket('mybucket')).toBe(true)
    expect(ledger.currentData().has('mybucket')).toBe(false)
    expect(ledger.getRaw('mybucket', 'k')).toBeUndefined()
    expect(ledger.getEntry('mybucket', 'k')).toMatchObject({ deleted: true, owner: a.id, value: '' })
    expect(ledger.list('mybucket').size).toBe(0)
  })
})

describe('local writes with a signer (makeEntry)', () => {
  it('signs, versions by wall clock, keeps re-announces idempotent and tombstones deletes', async () => {
    const a = await newPeer()
    let now = NOW_MS
    const broadcasts: Block[] = []
    const ledger = new Ledger({ mode: 'enforce', signer: a.key, clock: () => now })
    ledger.onLocalBlock(block => broadcasts.push(block))
    expect(ledger.ownerId).toBe(a.id)
    expect(await ledger.put('services', 'web', { PeerID: a.id, Name: 'web' })).toBe(true)
    const entry = ledger.getEntry('services', 'web')
    expect(entry).toMatchObject({ owner: a.id, version: BigInt(NOW_MS) * 1_000_000n, updatedAt: BigInt(NOW_MS / 1000), deleted: false })
    expect(await verifyEntry('services', 'web', entry!)).toBe(true)
    now += 1000
    expect(await ledger.put('services', 'web', { Name: 'web', PeerID: a.id })).toBe(false)
    expect(ledger.getEntry('services', 'web')).toBe(entry)
    expect(await ledger.put('services', 'web', { PeerID: a.id, Name: 'web2' })).toBe(true)
    expect(ledger.getEntry('services', 'web')?.version).toBe(BigInt(now) * 1_000_000n)
    // the clock going backwards still bumps the version
    now -= 10_000
    expect(await ledger.delete('services', 'web')).toBe(true)
    const tomb = ledger.getEntry('services', 'web')!
    expect(tomb.version).toBe(BigInt(now + 10_000) * 1_000_000n + 1n)
    expect(await verifyEntry('services', 'web', tomb)).toBe(true)
    expect(await ledger.delete('services', 'web')).toBe(false)
    expect(broadcasts.map(block => block.index)).toEqual([1, 2, 3])
  })
})

describe('legacy unsigned entries loaded from disk under enforce (legacy_entry_test.go)', () => {
  async function restarted (persisted: Parameters<typeof storageOf>[0]): Promise<Ledger> {
    const store = new MemoryBlockStore()
    const genesis = { index: 0, timestamp: 't', storage: new Map(), hash: GENESIS_HASH, prevHash: '' }
    store.add(newBlock(genesis, storageOf(persisted), NOW_MS))
    return enforcedLedger({ store }).ledger
  }

  it('lets the named owner re-sign and delete its legacy entry', async () => {
    const b = await newPeer()
    const ledger = await restarted({ machines: { [IP]: legacyEntry(JSON.stringify(machine(b.id, IP))) } })
    await heartbeat(ledger, b)
    await feed(ledger, { machines: { [IP]: await signedEntry(b, 'machines', IP, machine(b.id, IP), 10n) } })
    expect(ledger.getEntry('machines', IP)?.owner).toBe(b.id)

    const other = await restarted({ machines: { [IP]: legacyEntry(JSON.stringify(machine(b.id, IP))) } })
    await heartbeat(other, b)
    await feed(other, { machines: { [IP]: await tombstone(b, 'machines', IP, 10n) } })
    expect(other.getRaw('machines', IP)).toBeUndefined()
  })

  it('refuses another live peer, and lets others in once the named peer is dead', async () => {
    const [b, c] = [await newPeer(), await newPeer()]
    const live = await restarted({ machines: { [IP]: legacyEntry(JSON.stringify(machine(b.id, IP))) }, egress: { [b.id]: legacyEntry('"ok"') } })
    await heartbeat(live, b)
    await heartbeat(live, c)
    await feed(live, { machines: { [IP]: await signedEntry(c, 'machines', IP, machine(c.id, IP), 10n) } })
    await feed(live, { machines: { [IP]: await tombstone(c, 'machines', IP, 10n) } })
    await feed(live, { egress: { [b.id]: await tombstone(c, 'egress', b.id, 10n) } })
    expect(live.getEntry('machines', IP)?.owner).toBe('')
    expect(live.getRaw('egress', b.id)).toBe('"ok"')

    const dead = await restarted({ machines: { [IP]: legacyEntry(JSON.stringify(machine(b.id, IP))) }, egress: { [b.id]: legacyEntry('"ok"') } })
    await heartbeat(dead, c)
    await feed(dead, { machines: { [IP]: await signedEntry(c, 'machines', IP, machine(c.id, IP), 10n) } })
    await feed(dead, { egress: { [b.id]: await tombstone(c, 'egress', b.id, 10n) } })
    expect(dead.getEntry('machines', IP)?.owner).toBe(c.id)
    expect(dead.getRaw('egress', b.id)).toBeUndefined()
  })
})

describe('reaper (reaper_test.go)', () => {
  it('tombstones dead owners, keeps live ones, prunes old tombstones; isOwnerLive follows heartbeats', async () => {
    const [leaderPeer, alive, gone] = [await newPeer(), await newPeer(), await newPeer()]
    let now = NOW_MS
    const ledger = new Ledger({ mode: 'enforce', signer: leaderPeer.key, ownershipTtlMs: 60_000, clock: () => now, warn: () => {} })
    await heartbeat(ledger, alive)
    await heartbeat(ledger, gone, NOW_MS - 10 * 60_000)
    await feed(ledger, {
      machines: {
        '10.1.0.2': await signedEntry(alive, 'machines', '10.1.0.2', machine(alive.id, '10.1.0.2'), 1n),
        '10.1.0.3': await signedEntry(gone, 'machines', '10.1.0.3', machine(gone.id, '10.1.0.3'), 1n)
      },
      nodes: { k: legacyEntry('"open"') }
    })
    expect(ledger.isOwnerLive(alive.id)).toBe(true)
    expect(ledger.isOwnerLive(gone.id)).toBe(false)
    expect(ledger.availableNodes(15 * 60_000)).toEqual([alive.id, gone.id].sort())
    expect(ledger.availableNodes(60_000)).toEqual([alive.id])

    expect(await ledger.reap(45 * 60_000)).toBe(true)
    expect(ledger.getRaw('machines', '10.1.0.2')).toBeDefined()
    expect(ledger.getEntry('machines', '10.1.0.3')).toMatchObject({ deleted: true, owner: leaderPeer.id })
    // the stale heartbeat itself is past its absolute TTL
    expect(ledger.getEntry('healthcheck', gone.id)?.deleted).toBe(true)
    expect(ledger.getRaw('nodes', 'k')).toBe('"open"')
    expect(await ledger.reap(45 * 60_000)).toBe(false)

    now += 46 * 60_000
    await ledger.reap(45 * 60_000)
    expect(ledger.getEntry('machines', '10.1.0.3')).toBeUndefined()
    expect(ledger.getEntry('healthcheck', gone.id)).toBeUndefined()
  })

  it('lets the owner re-claim a reaped key with a higher version', async () => {
    const [leaderPeer, owner] = [await newPeer(), await newPeer()]
    const { ledger } = enforcedLedger({ signer: leaderPeer.key })
    await feed(ledger, { users: { [owner.id]: await signedEntry(owner, 'users', owner.id, 'me', 1n) } })
    await ledger.reap(60_000)
    const reaped = ledger.getEntry('users', owner.id)!
    expect(reaped.deleted).toBe(true)
    await heartbeat(ledger, owner)
    await feed(ledger, { users: { [owner.id]: await signedEntry(owner, 'users', owner.id, 'back', reaped.version + 1n) } })
    expect(ledger.get('users', owner.id)).toBe('back')
  })
})

describe('anti-entropy helpers', () => {
  it('exposes digests and entries, and mergeEntries applies the block rules', async () => {
    const [a, b] = [await newPeer(), await newPeer()]
    const source = new Ledger({ mode: 'enforce', signer: a.key, clock: () => NOW_MS })
    await source.put('healthcheck', a.id, '2026-01-01T00:00:00Z')
    await source.put('machines', IP, { PeerID: a.id, Address: IP })
    const digests = source.entryDigests()
    expect(digests.get(digestKey('machines', IP))).toBe(entryDigest(source.getEntry('machines', IP)!))
    expect(digests.get(digestKey('machines', IP))).toMatch(/^[0-9a-f]{32}$/)

    const { ledger: target } = enforcedLedger()
    const wanted = [...digests.keys()].filter(key => target.entryDigests().get(key) !== digests.get(key))
    const entries = source.entriesFor([...wanted, 'no-separator', digestKey('x', 'missing')])
    expect(entries).toHaveLength(2)
    const result = await target.mergeEntries([...entries, { bucket: 'machines', key: '10.1.0.9', entry: { value: 1 } } as never])
    expect(result).toMatchObject({ blockAdded: true, malformed: 1, violations: [] })
    expect(target.entryDigests()).toEqual(digests)

    const hijack = await signedEntry(b, 'machines', IP, machine(b.id, IP), 1n << 62n)
    const rejected = await target.mergeEntries([{ bucket: 'machines', key: IP, entry: hijack }])
    expect(rejected.violations.map(v => v.reason)).toEqual(['overwrite of a live entry owned by another peer'])
    expect(encodeBlock(target.lastBlock())).toContain(a.id)
  })
})
