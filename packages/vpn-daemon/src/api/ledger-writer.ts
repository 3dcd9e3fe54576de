import { BackoffTicker } from '@edgevpn/mesh-core'
import { encodeGoJson } from '@edgevpn/ledger'
import type { Ledger } from '@edgevpn/ledger'
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
 * A {@link LedgerWriter} that applies each write to the ledger on a backoff ticker: the first
 * attempt runs at once, later ticks check whether the write is visible and stop when it is, and
 * every announcement gives up after `timeoutMs`.
 */
export class AnnouncingLedgerWriter implements LedgerWriter {
  private readonly ledger: Ledger
  private readonly intervalMs: number
  private readonly timeoutMs: number
  private readonly logger: Logger | undefined
  /** The `finish` function of every announcement still running. */
  private readonly running = new Set<() => Promise<void>>()

  constructor (init: AnnouncingLedgerWriterInit) {
    this.ledger = init.ledger
    this.intervalMs = init.intervalMs ?? 5_000
    this.timeoutMs = init.timeoutMs ?? 20_000
    this.logger = init.logger
  }

  persist (bucket: string, key: string, value: unknown): void {
    const text = encodeGoJson(value)
    this.announce(`persist ${bucket}/${key}`, async () => {
      if (this.ledger.getRaw(bucket, key) === text) return true
      await this.ledger.putRaw(bucket, key, text)
      return false
    })
  }

  announceDelete (bucket: string, key?: string): void {
    if (key === undefined) {
      this.announce(`delete bucket ${bucket}`, async () => {
        if (!this.ledger.currentData().has(bucket)) return true
        await this.ledger.deleteBucket(bucket)
        return false
      })
    } else {
      this.announce(`delete ${bucket}/${key}`, async () => {
        if (this.ledger.getRaw(bucket, key) === undefined) return true
        await this.ledger.delete(bucket, key)
        return false
      })
    }
  }

  /** Stops every announcement still running. */
  async stop (): Promise<void> {
    await Promise.all([...this.running].map(async finish => { await finish() }))
  }

  /** Runs `attempt` on a ticker until it reports the write done, or the timeout. */
  private announce (what: string, attempt: () => Promise<boolean>): void {
    const ticker: BackoffTicker = new BackoffTicker({
      maxInterval: this.intervalMs,
      onError: err => { this.logger?.warn(`ledger ${what} failed`, { error: (err as Error).message }) }
    }, async () => {
      // not awaited: stop() waits for this very task to settle
      if (await attempt()) void finish()
    })
    const timer = setTimeout(() => { void finish() }, this.timeoutMs)
    const finish = async (): Promise<void> => {
      clearTimeout(timer)
      this.running.delete(finish)
      await ticker.stop()
    }
    this.running.add(finish)
    ticker.start()
  }
}
