import { announceDeleteBucket, announceDeleteBucketKey, persist } from '@edgevpn/ledger'
import type { Announcement, BoundedAnnounceInit, Ledger } from '@edgevpn/ledger'
import type { Logger } from '@edgevpn/mesh-core'

/**
 * How the API writes to the ledger: asynchronously and repeatedly until the write is visible or
 * a timeout passes (Go `Persist`, `AnnounceDeleteBucket`, `AnnounceDeleteBucketKey`).
 */
export interface LedgerWriter {
  /** Stores `value` (encoded like Go's `json.Marshal`) under bucket/key. */
  persist: (bucket: string, key: string, value: unknown) => void
  /** Deletes `key` of `bucket`, or the whole bucket when `key` is undefined. */
  announceDelete: (bucket: string, key?: string) => void
}

export interface AnnouncingLedgerWriterInit {
  ledger: Ledger
  /**
   * Cap of the backoff between attempts, in ms (the CLI's `defaultInterval`).
   *
   * @default 5000
   */
  intervalMs?: number
  /**
   * How long to keep trying, in ms.
   *
   * @default 20000
   */
  timeoutMs?: number
  logger?: Logger
}

/**
 * A {@link LedgerWriter} on the ledger's announce loops (Go `Persist`, `AnnounceDeleteBucket`,
 * `AnnounceDeleteBucketKey`): the first attempt runs at once, later ticks stop when the write is
 * visible, and each gives up after `timeoutMs`.
 *
 * Unlike Go, a request ends the loops of earlier requests it overrides (same key, or any key of a
 * deleted bucket): in Go a PUT whose loop has not yet seen its value can write it back after a
 * DELETE that came seconds later, so the API's last word on a key is the one that stays.
 */
export class AnnouncingLedgerWriter implements LedgerWriter {
  private readonly ledger: Ledger
  private readonly init: BoundedAnnounceInit
  private readonly running = new Map<Announcement, { bucket: string, key?: string }>()

  constructor (init: AnnouncingLedgerWriterInit) {
    this.ledger = init.ledger
    this.init = {
      intervalMs: init.intervalMs ?? 5_000,
      timeoutMs: init.timeoutMs ?? 20_000,
      onError: err => { init.logger?.warn('ledger write from the API failed', { error: err }) }
    }
  }

  persist (bucket: string, key: string, value: unknown): void {
    this.supersede(bucket, key)
    this.track(persist(this.ledger, bucket, key, value, this.init), bucket, key)
  }

  announceDelete (bucket: string, key?: string): void {
    this.supersede(bucket, key)
    this.track(key === undefined
      ? announceDeleteBucket(this.ledger, bucket, this.init)
      : announceDeleteBucketKey(this.ledger, bucket, key, this.init), bucket, key)
  }

  /** Stops every announcement still running. */
  async stop (): Promise<void> {
    await Promise.all([...this.running.keys()].map(async announcement => { await announcement.stop() }))
  }

  /**
   * Ends the running announcements a new request on bucket/key (the whole bucket when `key` is
   * undefined) overrides. A loop's step is a single ledger call, so ending it between ticks
   * cannot leave half a write behind.
   */
  private supersede (bucket: string, key?: string): void {
    for (const [announcement, target] of this.running) {
      if (target.bucket !== bucket) continue
      if (key !== undefined && target.key !== undefined && target.key !== key) continue
      this.running.delete(announcement)
      void announcement.stop()
    }
  }

  private track (announcement: Announcement, bucket: string, key?: string): void {
    this.running.set(announcement, { bucket, key })
    void announcement.done.then(() => this.running.delete(announcement))
  }
}
