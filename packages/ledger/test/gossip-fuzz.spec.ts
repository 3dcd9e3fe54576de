/**
 * Bounded fuzz through real gossip: a fuzzing process publishes random and mutated envelopes,
 * sealed junk, gzip bombs and broken blocks on both ledger topics of a target process, which must
 * drop them (counted by reason), keep a bounded heap and go on converging.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { randomNetwork, startMesh } from './ledger-process.js'
import type { LedgerProcess } from './ledger-process.js'
import type { GossipHubStats, LedgerSyncStats } from '../src/index.js'

const nodes: LedgerProcess[] = []

afterEach(async () => {
  await Promise.all(nodes.splice(0).map(async node => { await node.stop() }))
})

interface Stats { ledgerHub: GossipHubStats, changesHub: GossipHubStats, sync: LedgerSyncStats, heapUsed: number }

describe('gossip fuzz', () => {
  it('drops malformed traffic by reason, keeps a bounded heap and keeps working', async () => {
    const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000)
    console.log(`fuzz seed ${seed} (replay with FUZZ_SEED=${seed})`)
    const config = { network: randomNetwork(1024 * 1024), mode: 'enforce' as const, maxBlockBytes: 4 * 1024 * 1024 }
    const [target, fuzzer] = await startMesh(['target', 'fuzzer'], config, nodes)
    await target.send({ op: 'put', bucket: 'test', key: 'before', value: 1 })
    await fuzzer.waitFor(() => fuzzer.changeOf('test', 'before') !== undefined, 10_000, 'warm-up write')
    const before = await target.send({ op: 'stats' }) as unknown as Stats

    const { sent } = await fuzzer.send({ op: 'fuzz', durationMs: 5_000, seed }, 60_000)
    console.log('fuzz messages sent', sent)

    // a valid write after the flood still arrives, both ways
    await fuzzer.send({ op: 'put', bucket: 'test', key: 'after', value: 2 })
    await target.waitFor(() => target.changeOf('test', 'after') !== undefined, 15_000, 'write after the fuzz')
    await target.send({ op: 'put', bucket: 'test', key: 'reply', value: 3 })
    await fuzzer.waitFor(() => fuzzer.changeOf('test', 'reply') !== undefined, 15_000, 'reply from the target')

    const after = await target.send({ op: 'stats' }) as unknown as Stats
    const dropped = after.ledgerHub.dropped
    console.log('target ledger hub', after.ledgerHub, 'changes hub', after.changesHub.dropped)
    console.log(`target heap ${(before.heapUsed / 2 ** 20).toFixed(1)} MiB before, ${(after.heapUsed / 2 ** 20).toFixed(1)} MiB after`)
    expect(dropped.badEnvelope).toBeGreaterThan(0)
    expect(dropped.unsealFailed).toBeGreaterThan(0)
    expect(dropped.gunzipFailed).toBeGreaterThan(0)
    expect(dropped.badBlock).toBeGreaterThan(0)
    expect(after.changesHub.dropped.badChanges).toBeGreaterThan(0)
    expect(after.changesHub.dropped.badEnvelope).toBeGreaterThan(0)
    expect(after.heapUsed - before.heapUsed).toBeLessThan(64 * 1024 * 1024)
    // nothing the fuzzer sent became ledger state
    const dump = await target.send({ op: 'dump' })
    expect(Object.keys(dump.data as object).sort()).toEqual(['test'])
  }, 120_000)
})
