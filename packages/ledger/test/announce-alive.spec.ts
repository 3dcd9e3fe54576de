import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { describe, expect, it } from 'vitest'
import {
  AliveService, announce, announceDeleteBucket, announceDeleteBucketKey, announceUpdate, Ledger, persist
} from '../src/index.js'

const fast = { intervalMs: 40, initialIntervalMs: 20 }

async function until (predicate: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 10))
  }
}

describe('announce loops', () => {
  it('announceUpdate writes at once and re-asserts the value until aborted', async () => {
    const ledger = new Ledger()
    const controller = new AbortController()
    const loop = announceUpdate(ledger, 'services', 'web', { Name: 'web' }, { ...fast, signal: controller.signal })
    await until(() => ledger.getRaw('services', 'web') === '{"Name":"web"}', 'first write')
    await ledger.delete('services', 'web')
    await until(() => ledger.getRaw('services', 'web') === '{"Name":"web"}', 're-assertion')
    controller.abort()
    await loop.done
    await ledger.delete('services', 'web')
    await new Promise(resolve => setTimeout(resolve, 150))
    expect(ledger.getRaw('services', 'web')).toBeUndefined()
  })

  it('persist ends once the value is in place', async () => {
    const ledger = new Ledger()
    const loop = persist(ledger, 'b', 'k', 'v', { ...fast, timeoutMs: 10_000 })
    await loop.done
    expect(ledger.getRaw('b', 'k')).toBe('"v"')
  })

  it('announceDeleteBucketKey and announceDeleteBucket end once the data is gone', async () => {
    const ledger = new Ledger()
    await ledger.put('b', 'k1', 1)
    await ledger.put('b', 'k2', 2)
    await announceDeleteBucketKey(ledger, 'b', 'k1', { ...fast, timeoutMs: 10_000 }).done
    expect(ledger.getRaw('b', 'k1')).toBeUndefined()
    expect(ledger.getRaw('b', 'k2')).toBe('2')
    await announceDeleteBucket(ledger, 'b', { ...fast, timeoutMs: 10_000 }).done
    expect(ledger.currentData().has('b')).toBe(false)
  })

  it('stops at the timeout when the goal is never reached, and on stop()', async () => {
    let runs = 0
    const started = Date.now()
    await announce(() => { runs++; return false }, { ...fast, timeoutMs: 200 }).done
    expect(Date.now() - started).toBeGreaterThanOrEqual(190)
    expect(runs).toBeGreaterThan(1)
    const endless = announce(() => false, fast)
    await endless.stop()
    await endless.done
  })
})

describe('AliveService', () => {
  async function setup (mode: 'enforce' | 'off'): Promise<{ ledger: Ledger, alive: AliveService, id: string, clock: { now: number } }> {
    const key = await generateKeyPair('Ed25519')
    const id = peerIdFromPrivateKey(key).toString()
    const clock = { now: Date.UTC(2026, 0, 1) }
    const ledger = new Ledger({ mode, signer: mode === 'off' ? undefined : key, clock: () => clock.now, warn: () => {} })
    const alive = new AliveService({ ledger, peerId: id }, { scrubIntervalMs: 60_000, maxIntervalMs: 10_000, clock: () => clock.now })
    return { ledger, alive, id, clock }
  }

  it('writes an RFC 3339 heartbeat and lists itself as available', async () => {
    const { ledger, alive, id } = await setup('enforce')
    alive.start()
    await until(() => ledger.getRaw('healthcheck', id) !== undefined, 'heartbeat')
    await alive.stop()
    expect(ledger.getRaw('healthcheck', id)).toBe('"2026-01-01T00:00:00Z"')
    expect(alive.availableNodes()).toEqual([id])
  })

  it('as leader with ownership on, reaps tombstones older than 3 x max interval when the scrub is due', async () => {
    const { ledger, alive, clock } = await setup('enforce')
    alive.start()
    await alive.stop()
    await ledger.put('open', 'gone', 1)
    await ledger.delete('open', 'gone')
    clock.now += 31_000
    await alive.tick()
    expect(ledger.getEntry('open', 'gone')?.deleted).toBe(true) // scrub not due yet
    clock.now += 30_000
    await alive.tick()
    expect(ledger.getEntry('open', 'gone')).toBeUndefined()
  })

  it('as leader with ownership off, wipes the healthcheck bucket when the scrub is due', async () => {
    const { ledger, alive, id, clock } = await setup('off')
    alive.start()
    await alive.stop()
    expect(ledger.getRaw('healthcheck', id)).toBeDefined()
    clock.now += 61_000
    await alive.tick()
    expect(ledger.currentData().has('healthcheck')).toBe(false)
  })
})
