import { Ledger } from '@edgevpn/ledger'
import { afterEach, describe, expect, it } from 'vitest'
import { AnnouncingLedgerWriter } from '../src/api/index.js'

describe('AnnouncingLedgerWriter (Go Persist / AnnounceDelete*)', () => {
  let writer: AnnouncingLedgerWriter | undefined
  afterEach(async () => { await writer?.stop() })

  it('writes on the first tick and writes again while the value is not there', async () => {
    const ledger = new Ledger()
    writer = new AnnouncingLedgerWriter({ ledger, intervalMs: 1_000, timeoutMs: 60_000 })
    writer.persist('b', 'k', 'mine')
    await expect.poll(() => ledger.getRaw('b', 'k')).toBe('"mine"')
    // a merge from elsewhere replaces it before the next tick (2.5 to 7.5 s later, as in Go)
    await ledger.put('b', 'k', 'theirs')
    await expect.poll(() => ledger.getRaw('b', 'k'), { timeout: 20_000 }).toBe('"mine"')
  }, 30_000)

  it('deletes a key, then a bucket', async () => {
    const ledger = new Ledger()
    await ledger.put('b', 'x', 1)
    await ledger.put('b', 'y', 2)
    writer = new AnnouncingLedgerWriter({ ledger })
    writer.announceDelete('b', 'x')
    await expect.poll(() => [...ledger.currentData().get('b')?.keys() ?? []]).toEqual(['y'])
    writer.announceDelete('b')
    await expect.poll(() => ledger.currentData().has('b')).toBe(false)
  })

  it('lets a later request on a key end the loops of earlier ones (a DELETE stays deleted)', async () => {
    const ledger = new Ledger()
    writer = new AnnouncingLedgerWriter({ ledger, intervalMs: 1_000, timeoutMs: 60_000 })
    writer.persist('b', 'k', 'first')
    writer.persist('b', 'other', 'kept')
    await expect.poll(() => ledger.getRaw('b', 'k')).toBe('"first"')
    writer.announceDelete('b', 'k')
    await expect.poll(() => ledger.getRaw('b', 'k')).toBe(undefined)
    // the PUT's next tick (2.5 to 7.5 s on) would have written it back
    await new Promise(resolve => setTimeout(resolve, 8_000))
    expect(ledger.getRaw('b', 'k')).toBe(undefined)
    expect(ledger.getRaw('b', 'other')).toBe('"kept"')
    writer.announceDelete('b')
    writer.persist('b', 'k', 'second')
    await new Promise(resolve => setTimeout(resolve, 8_000))
    expect([...ledger.currentData().get('b')?.keys() ?? []]).toEqual(['k'])
  }, 30_000)

  it('stops every announcement on stop()', async () => {
    const ledger = new Ledger()
    writer = new AnnouncingLedgerWriter({ ledger, intervalMs: 1_000, timeoutMs: 60_000 })
    writer.persist('b', 'k', 'mine')
    await expect.poll(() => ledger.getRaw('b', 'k')).toBe('"mine"')
    await writer.stop()
    await ledger.put('b', 'k', 'theirs')
    await new Promise(resolve => setTimeout(resolve, 8_000)) // longer than the first backoff wait
    expect(ledger.getRaw('b', 'k')).toBe('"theirs"')
  }, 30_000)
})
