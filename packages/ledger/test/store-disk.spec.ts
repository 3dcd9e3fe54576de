import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DiskBlockStore, encodeBlock, GENESIS_HASH, Ledger, parseBlock } from '../src/index.js'
import { enforcedLedger, newPeer } from './helpers.js'

describe('DiskBlockStore (--ledger-state)', () => {
  let dir: string
  let warnings: string[]
  const store = (keepBlocks?: number): DiskBlockStore =>
    new DiskBlockStore({ directory: dir, keepBlocks, warn: (message) => { warnings.push(message) } })

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'evt-ledger-'))
    warnings = []
  })
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true })
  })

  it('writes the Go layout, prunes old block files and reloads the last block', async () => {
    const ledger = new Ledger({ store: store(2) })
    expect(readFileSync(join(dir, 'index'), 'utf8')).toBe('0')
    expect(parseBlock(readFileSync(join(dir, '0'))).hash).toBe(GENESIS_HASH)
    for (let i = 0; i < 5; i++) await ledger.put('b', 'k', i)
    expect(readFileSync(join(dir, 'index'), 'utf8')).toBe('5')
    expect(readFileSync(join(dir, '5'), 'utf8')).toBe(encodeBlock(ledger.lastBlock()))
    expect(readdirSync(dir).sort()).toEqual(['4', '5', 'index'])

    const reopened = new Ledger({ store: store(2) })
    expect(reopened.lastBlock().hash).toBe(ledger.lastBlock().hash)
    expect(reopened.get('b', 'k')).toBe(4)
    expect(warnings).toEqual([])
  })

  it('falls back to the previous block when the last file is truncated', async () => {
    const ledger = new Ledger({ store: store() })
    await ledger.put('b', 'k', 'one')
    await ledger.put('b', 'k', 'two')
    const full = readFileSync(join(dir, '2'), 'utf8')
    writeFileSync(join(dir, '2'), full.slice(0, full.length / 2))
    const reopened = new Ledger({ store: store() })
    expect(reopened.index()).toBe(1)
    expect(reopened.get('b', 'k')).toBe('one')
    expect(warnings.join('\n')).toMatch(/corrupt block file .*2/)
    // the next write replaces the corrupt file
    await reopened.put('b', 'k', 'three')
    expect(parseBlock(readFileSync(join(dir, '2'))).index).toBe(2)
  })

  it('starts from genesis when no block file is readable, and survives a bad index file', async () => {
    writeFileSync(join(dir, 'index'), 'garbage')
    writeFileSync(join(dir, '7'), '{"Index":7,"Storage":{"b":{"k":{"Version":1e3}}}}')
    writeFileSync(join(dir, '7.tmp'), 'leftover of a crash')
    const ledger = new Ledger({ store: store() })
    expect(ledger.index()).toBe(0)
    expect(ledger.lastBlock().hash).toBe(GENESIS_HASH)
    expect(warnings.join('\n')).toMatch(/starting from genesis/)
    expect(readdirSync(dir)).not.toContain('7.tmp')
  })

  it('loads legacy (Go, ownership off) entries and serves them under enforce', async () => {
    writeFileSync(join(dir, 'index'), '3')
    writeFileSync(join(dir, '3'), '{"Index":3,"Timestamp":"2026-01-01 00:00:00 +0000 UTC","Storage":{"machines":{"10.1.0.1":"{\\"PeerID\\":\\"12D3x\\",\\"Address\\":\\"10.1.0.1\\"}"}},"Hash":"h","PrevHash":"p"}')
    const a = await newPeer()
    const { ledger } = enforcedLedger({ store: store(), signer: a.key })
    expect(ledger.get('machines', '10.1.0.1')).toEqual({ PeerID: '12D3x', Address: '10.1.0.1' })
    await ledger.put('b', 'k', 'v')
    expect(ledger.lastBlock()).toMatchObject({ index: 4, prevHash: 'h' })
  })
})
