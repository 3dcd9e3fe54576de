import { seededRandom } from '@edgevpn/test/support/random'
import { describe, expect, it } from 'vitest'
import { encodeBlock, Ledger, parseBlock, policyFor, defaultRegistry, storageEntries, verifyEntry } from '../src/index.js'
import { heartbeat, machine, newPeer, NOW_MS, signedEntry, storageOf, tombstone } from './helpers.js'
import type { Block } from '../src/index.js'


const TOKENS = ['{', '}', '[', ']', '"', ',', ':', '0', '9', '-', '.', 'e', '1e400', 'null', 'true', '\\', '\\u', ' ',
  '18446744073709551616', '"Sig":"x"', '"Version":-1', '"Deleted":true', '\u{1F600}', '\ud800', '{"a":']

function mutate (text: string, random: () => number): string {
  let out = text
  const edits = 1 + Math.floor(random() * 4)
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(random() * (out.length + 1))
    const choice = random()
    if (choice < 0.35) {
      out = out.slice(0, at) + TOKENS[Math.floor(random() * TOKENS.length)] + out.slice(at + 1)
    } else if (choice < 0.6) {
      out = out.slice(0, at) + out.slice(at + Math.floor(random() * 20))
    } else if (choice < 0.8) {
      out = out.slice(0, at) + out.slice(at, at + Math.floor(random() * 40)) + out.slice(at)
    } else if (choice < 0.9) {
      // flip a digit: versions, indices and timestamps change but the signature does not
      const digit = out.slice(at).search(/\d/)
      if (digit !== -1) out = out.slice(0, at + digit) + String(Math.floor(random() * 10)) + out.slice(at + digit + 1)
    } else {
      out = Buffer.from(Array.from({ length: Math.floor(random() * 64) }, () => Math.floor(random() * 256))).toString('latin1')
    }
  }
  return out
}

describe('random and mutated blocks', () => {
  it('never throw, never admit forged owned entries, and only grow by acceptable input', async () => {
    const seed = Date.now() >>> 0
    const random = seededRandom(seed)
    const [a, b] = [await newPeer(), await newPeer()]
    const base: Block = {
      index: 5, timestamp: '2026-01-01 00:00:00 +0000 UTC', hash: 'h', prevHash: 'p',
      storage: storageOf({
        machines: {
          '10.1.0.1': await signedEntry(a, 'machines', '10.1.0.1', machine(a.id, '10.1.0.1'), 3n),
          '10.1.0.2': await signedEntry(b, 'machines', '10.1.0.2', machine(b.id, '10.1.0.2'), 4n)
        },
        dns: { 'x.': await signedEntry(a, 'dns', 'x.', { 1: '1.2.3.4' }, 1n), 'y.': await tombstone(b, 'dns', 'y.', 2n) },
        dhcp: { leader: { value: '"p"', owner: '', version: 0n, updatedAt: 0n, deleted: false, sig: null } }
      })
    }
    const baseJson = encodeBlock(base)
    const registry = defaultRegistry(60_000)
    const enforce = new Ledger({ mode: 'enforce', clock: () => NOW_MS, ownershipTtlMs: 60_000, warn: () => {} })
    const off = new Ledger({ clock: () => NOW_MS, warn: () => {} })
    await heartbeat(enforce, a)
    const openKeys = new Set(storageEntries(enforce.lastBlock().storage).map(e => `${e.bucket}\0${e.key}`))
    const adoptable = new Set<string>([off.lastBlock().hash])

    let runs = 0
    let decoded = 0
    const deadline = Date.now() + 2000
    try {
      while (Date.now() < deadline) {
        const input = runs % 10 === 0 ? baseJson : mutate(baseJson, random)
        let block: Block | undefined
        try {
          block = parseBlock(input)
          decoded++
        } catch {}
        for (const entry of block === undefined ? [] : storageEntries(block.storage)) {
          if (!policyFor(registry, entry.bucket).owned) openKeys.add(`${entry.bucket}\0${entry.key}`)
        }
        if (block !== undefined) adoptable.add(block.hash)
        const bytes = random() < 0.5 ? input : new TextEncoder().encode(input)
        const [enforced, legacy] = await Promise.all([enforce.mergeJson(bytes), off.mergeJson(bytes)])
        expect(enforced.error === undefined).toBe(block !== undefined)
        expect(legacy.error === undefined).toBe(block !== undefined)
        runs++
      }

      // every stored entry of an owned bucket carries a valid signature
      const stored = storageEntries(enforce.lastBlock().storage)
      for (const { bucket, key, entry } of stored) {
        if (policyFor(registry, bucket).owned) expect(await verifyEntry(bucket, key, entry), `${bucket}/${key}`).toBe(true)
        else expect(openKeys.has(`${bucket}\0${key}`), `${bucket}/${key}`).toBe(true)
      }
      // owned entries can only be the signed originals (or the heartbeat)
      expect(stored.filter(e => policyFor(registry, e.bucket).owned).length).toBeLessThanOrEqual(5)
      // off mode holds exactly one adopted block, verbatim
      expect(adoptable.has(off.lastBlock().hash)).toBe(true)
      expect(runs).toBeGreaterThan(100)
      expect(decoded).toBeGreaterThan(10)
    } catch (err) {
      throw new Error(`fuzz failed with seed ${seed} after ${runs} runs: ${(err as Error).message}`)
    }
  })
})
