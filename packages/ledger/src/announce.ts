/**
 * Go's ledger announce loops (`Announce`, `AnnounceUpdate`, `Persist`, `AnnounceDeleteBucket`,
 * `AnnounceDeleteBucketKey`): keep re-asserting a write on the backoff ticker, so that a value lost
 * to a merge race or a restart of its owner comes back.
 */

import { BackoffTicker } from '@edgevpn/mesh-core'
import { encodeGoJson } from '@edgevpn/go-compat'
import type { Ledger } from './ledger.js'

export interface AnnounceInit {
  /** Max interval of the backoff ticker in ms (Go `--ledger-announce-interval`, CLI 10 s). */
  intervalMs: number
  /**
   * First wait of the backoff ticker in ms.
   *
   * @default 5000
   */
  initialIntervalMs?: number
  /** Stops the loop when aborted (Go's context). */
  signal?: AbortSignal
  /** Called with errors the step throws; the loop keeps going. @default ignore */
  onError?: (err: unknown) => void
}

export interface BoundedAnnounceInit extends AnnounceInit {
  /** Hard stop after this many ms, done or not. */
  timeoutMs: number
}

export interface Announcement {
  /** Resolves when the loop has ended (finished, timed out, aborted or stopped). */
  readonly done: Promise<void>
  /** Ends the loop and waits for a step in flight. */
  stop(): Promise<void>
}

/**
 * A step returns true when the loop's goal is reached and it should end.
 */
export type AnnounceStep = (signal: AbortSignal) => Promise<boolean | undefined> | boolean | undefined

/**
 * Go `Announce`: run `step` on the backoff ticker (first run at once) until it returns true, the
 * signal aborts, `timeoutMs` passes or {@link Announcement.stop} is called.
 */
export function announce (step: AnnounceStep, init: AnnounceInit & { timeoutMs?: number }): Announcement {
  let finish: () => void = () => {}
  const done = new Promise<void>(resolve => { finish = resolve })
  let ended = false
  const ticker = new BackoffTicker({ maxInterval: init.intervalMs, initialInterval: init.initialIntervalMs, onError: init.onError }, async (signal) => {
    if (await step(signal) === true) void end()
  })
  const timeout = init.timeoutMs === undefined ? undefined : setTimeout(() => { void end() }, init.timeoutMs)
  const onAbort = (): void => { void end() }
  const end = async (): Promise<void> => {
    if (ended) return
    ended = true
    clearTimeout(timeout)
    init.signal?.removeEventListener('abort', onAbort)
    await ticker.stop()
    finish()
  }
  if (init.signal?.aborted === true) {
    void end()
  } else {
    init.signal?.addEventListener('abort', onAbort, { once: true })
    ticker.start()
  }
  return { done, stop: async () => { await end(); await done } }
}

/** Go `AnnounceUpdate`: on every tick, write `value` under bucket/key unless it is already there. */
export function announceUpdate (ledger: Ledger, bucket: string, key: string, value: unknown, init: AnnounceInit): Announcement {
  const text = encodeGoJson(value)
  return announce(async () => {
    if (ledger.getRaw(bucket, key) !== text) await ledger.putRaw(bucket, key, text)
    return false
  }, init)
}

/** Go `Persist`: like {@link announceUpdate}, but ends once the value is in place (or at the timeout). */
export function persist (ledger: Ledger, bucket: string, key: string, value: unknown, init: BoundedAnnounceInit): Announcement {
  const text = encodeGoJson(value)
  return announce(async () => {
    if (ledger.getRaw(bucket, key) === text) return true
    await ledger.putRaw(bucket, key, text)
    return false
  }, init)
}

/** Go `AnnounceDeleteBucket`: delete the bucket on every tick until no live key of it is left. */
export function announceDeleteBucket (ledger: Ledger, bucket: string, init: BoundedAnnounceInit): Announcement {
  return announce(async () => {
    if (!ledger.currentData().has(bucket)) return true
    await ledger.deleteBucket(bucket)
    return false
  }, init)
}

/** Go `AnnounceDeleteBucketKey`: delete the key on every tick until it is gone. */
export function announceDeleteBucketKey (ledger: Ledger, bucket: string, key: string, init: BoundedAnnounceInit): Announcement {
  return announce(async () => {
    if (ledger.getRaw(bucket, key) === undefined) return true
    await ledger.delete(bucket, key)
    return false
  }, init)
}
