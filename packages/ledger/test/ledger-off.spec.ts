import { describe, expect, it } from 'vitest'
import { encodeBlock, Ledger, MemoryBlockStore } from '../src/index.js'
import type { Block } from '../src/index.js'

async function announce (ledger: Ledger, key: string): Promise<void> {
  if (ledger.getRaw('nodes', key) !== '"1"') await ledger.put('nodes', key, '1')
}

function hasKeys (ledger: Ledger, ...keys: string[]): boolean {
  return keys.every(key => ledger.getRaw('nodes', key) !== undefined)
}

describe('ownership off (ledger_test.go)', () => {
  it('converges an equal-index split-brain to the union', async () => {
    const a = new Ledger({ store: new MemoryBlockStore() })
    const b = new Ledger()
    await a.put('nodes', 'a', '1')
    await b.put('nodes', 'b', '1')
    expect(a.lastBlock().index).toBe(b.lastBlock().index)
    expect(a.lastBlock().hash).not.toBe(b.lastBlock().hash)

    for (let i = 0; i < 5; i++) {
      await a.mergeJson(encodeBlock(b.lastBlock()))
      await b.mergeJson(encodeBlock(a.lastBlock()))
      await announce(a, 'a')
      await announce(b, 'b')
    }
    await a.mergeJson(encodeBlock(b.lastBlock()))
    await b.mergeJson(encodeBlock(a.lastBlock()))

    expect(hasKeys(a, 'a', 'b')).toBe(true)
    expect(hasKeys(b, 'a', 'b')).toBe(true)
    expect(a.lastBlock().hash).toBe(b.lastBlock().hash)
  })

  it('adopts a strictly higher-index block regardless of hash order, verbatim', async () => {
    const a = new Ledger()
    const b = new Ledger()
    await a.put('nodes', 'a', '1')
    await b.put('nodes', 'b', '1')
    await b.put('nodes', 'b', '2')
    const changes: unknown[] = []
    a.watch({ bucket: 'nodes' }, change => changes.push(change))
    const result = await a.mergeJson(encodeBlock(b.lastBlock()))
    expect(result.blockAdded).toBe(true)
    expect(a.lastBlock().hash).toBe(b.lastBlock().hash)
    expect(encodeBlock(a.lastBlock())).toBe(encodeBlock(b.lastBlock()))
    expect(changes).toEqual([
      { bucket: 'nodes', key: 'a', value: undefined, deleted: true, origin: 'remote' },
      { bucket: 'nodes', key: 'b', value: '"2"', deleted: false, origin: 'remote' }
    ])
    // a lower block is ignored
    expect((await b.merge(await lowerBlock())).blockAdded).toBe(false)
  })

  it('writes unsigned entries; delete removes the key, deleteBucket the bucket; broadcasts local changes only', async () => {
    const broadcasts: Block[] = []
    const ledger = new Ledger()
    ledger.onLocalBlock(block => broadcasts.push(block))
    expect(await ledger.put('b', 'k', { x: 1 })).toBe(true)
    expect(await ledger.put('b', 'k', { x: 1 })).toBe(false)
    expect(ledger.getEntry('b', 'k')).toEqual({ value: '{"x":1}', owner: '', version: 0n, updatedAt: 0n, deleted: false, sig: null })
    expect(ledger.get('b', 'k')).toEqual({ x: 1 })
    expect(await ledger.delete('b', 'k')).toBe(true)
    expect(await ledger.delete('b', 'k')).toBe(false)
    // legacy Delete keeps the now-empty bucket map (errata A12)
    expect(ledger.lastBlock().storage.get('b')?.size).toBe(0)
    expect(ledger.buckets()).toEqual([])
    await ledger.put('c', 'k', 'v')
    expect(await ledger.deleteBucket('c')).toBe(true)
    expect(ledger.lastBlock().storage.has('c')).toBe(false)
    expect(broadcasts.map(block => block.index)).toEqual([1, 2, 3, 4])
    expect(broadcasts[3]).toBe(ledger.lastBlock())
    expect(ledger.isOwnerLive('anyone')).toBe(true)
    expect(await ledger.reap(0)).toBe(false)
    expect((await ledger.mergeEntries([])).error).toMatch(/ownership/)
  })
})

async function lowerBlock (): Promise<Block> {
  const other = new Ledger()
  await other.put('x', 'y', 'z')
  return other.lastBlock()
}
