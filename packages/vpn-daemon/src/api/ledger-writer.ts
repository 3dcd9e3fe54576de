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
 */
export class AnnouncingLedgerWriter implements LedgerWriter {
  private readonly ledger: Ledger
  private readonly init: BoundedAnnounceInit
  private readonly running = new Set<Announcement>()

  constructor (init: AnnouncingLedgerWriterInit) {
    this.ledger = init.ledger
    this.init = {
      intervalMs: init.intervalMs ?? 5_000,
      timeoutMs: init.timeoutMs ?? 20_000,
      onError: err => { init.logger?.warn('ledger write from the API failed', { error: err }) }
    }
  }

  persist (bucket: string, key: string, value: unknown): void {
    this.track(persist(this.ledger, bucket, key, value, this.init))
  }

  announceDelete (bucket: string, key?: string): void {
    this.track(key === undefined
      ? announceDeleteBucket(this.ledger, bucket, this.init)
      : announceDeleteBucketKey(this.ledger, bucket, key, this.init))
  }

  /** Stops every announcement still running. */
  async stop (): Promise<void> {
    await Promise.all([...this.running].map(async announcement => { await announcement.stop() }))
  }

  private track (announcement: Announcement): void {
    this.running.add(announcement)
    void announcement.done.then(() => this.running.delete(announcement))
  }
}
