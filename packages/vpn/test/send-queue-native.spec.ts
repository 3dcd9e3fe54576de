/**
 * The native engine's send queue (C++ `UnitQueue` in @edgevpn/tun) against its JS twin
 * `SendQueue`, whose own spec describes the behaviour: seeded random scripts of enqueues,
 * dequeues, clears and time steps, with the link slower than the offered load so that CoDel
 * drops, both lanes fill up, and the queue drains and restarts. Every decision must match.
 */
import { createUnitQueueProbe } from '@edgevpn/tun/unit-queue-probe'
import { describe, expect, it } from 'vitest'
import { SendQueue } from '../src/send-queue.js'

/** mulberry32: a small seeded PRNG, so a failing seed can be replayed. */
function random (seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = Math.imul(state ^ (state >>> 15), 1 | state)
    t ^= t + Math.imul(t ^ (t >>> 7), 61 | t)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** A unit whose first four bytes carry its number, so both queues' answers can be compared. */
function unit (id: number, length: number): Uint8Array {
  const bytes = new Uint8Array(Math.max(length, 4))
  new DataView(bytes.buffer).setUint32(0, id)
  return bytes
}

function idOf (bytes: Uint8Array | undefined): number | undefined {
  return bytes === undefined ? undefined : new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0)
}

interface Totals { delayDrops: number, refused: number, interactive: number, sent: number }

/** Fails with where and what when the two queues answered differently. */
function same (what: string, native: unknown, js: unknown, where: () => string): void {
  // expect() per step would cost more than the queues: it is called only on a difference
  if (native !== js) expect.fail(`${what} differs at ${where()}: native ${String(native)}, JS ${String(js)}`)
}

/** Runs one script through both queues; fails at the first step where they differ. */
function compare (seed: number, steps: number): Totals {
  const next = random(seed)
  const limits = { targetMs: 5, intervalMs: 100, maxBulkBytes: 256 * 1024, maxInteractiveBytes: 16 * 1024 }
  let now = 1
  let jsDrops = 0
  const js = new SendQueue({ now: () => now, onDelayDrop: () => { jsDrops++ } },
    { target: limits.targetMs, interval: limits.intervalMs, maxBulkBytes: limits.maxBulkBytes, maxInteractiveBytes: limits.maxInteractiveBytes })
  const native = createUnitQueueProbe(limits)
  const totals: Totals = { delayDrops: 0, refused: 0, interactive: 0, sent: 0 }
  let id = 0
  // phases of heavier and lighter load, so the queue builds up, drains and builds up again
  let sendChance = 0.5
  for (let step = 0; step < steps; step++) {
    if (step % 1_000 === 0) sendChance = 0.3 + next() * 0.7
    const roll = next()
    const where = (): string => `seed ${seed}, step ${step}, t=${now}`
    if (roll < 0.4) {
      const interactive = next() < 0.08
      const length = interactive ? 40 + Math.floor(next() * 200) : 500 + Math.floor(next() * 9_000)
      const bytes = unit(++id, length)
      const queued = js.enqueue(bytes, interactive)
      same('enqueue', native.enqueue(bytes, interactive, now), queued, where)
      if (!queued) totals.refused++
      else if (interactive) totals.interactive++
    } else if (roll < 0.4 + 0.6 * sendChance) {
      const sent = idOf(js.dequeue())
      same('dequeue', idOf(native.dequeue(now)), sent, where)
      if (sent !== undefined) totals.sent++
    } else if (roll < 0.9995) {
      // time passes: mostly a little, now and then a stall of the link
      now += next() < 0.995 ? next() * 3 : 50 + next() * 400
    } else {
      same('clear', native.clear(), js.clear(), where)
    }
    same('delay drops', native.delayDrops, jsDrops, where)
    same('length', native.length, js.length, where)
  }
  totals.delayDrops = jsDrops
  return totals
}

describe('native UnitQueue against the JS SendQueue', () => {
  it('makes the same decisions for 12 random scripts', () => {
    const sum: Totals = { delayDrops: 0, refused: 0, interactive: 0, sent: 0 }
    for (let seed = 1; seed <= 12; seed++) {
      const totals = compare(seed, 10_000)
      for (const key of Object.keys(sum) as Array<keyof Totals>) sum[key] += totals[key]
    }
    // the scripts reach every part of the queue
    expect(sum.delayDrops).toBeGreaterThan(100)
    expect(sum.refused).toBeGreaterThan(100)
    expect(sum.interactive).toBeGreaterThan(300)
    console.log(`12 scripts: ${sum.sent} units sent, ${sum.delayDrops} dropped by CoDel, ${sum.refused} refused by a full lane, ${sum.interactive} interactive`)
  })

  it('refuses bad options with a RangeError naming them', () => {
    expect(() => createUnitQueueProbe({ targetMs: -1 })).toThrow(/targetMs/)
    expect(() => createUnitQueueProbe({ maxBulkBytes: 1.5 })).toThrow(/maxBulkBytes/)
  })
})
