export interface ExponentialBackoffInit {
  /** First (unrandomised) wait in ms. @default 5000 */
  initialInterval?: number
  /** Growth factor applied after each wait. @default 2 */
  multiplier?: number
  /** Cap of the unrandomised wait in ms. */
  maxInterval: number
  /** Each wait is drawn from `current * [1 - factor, 1 + factor]`. @default 0.5 */
  randomizationFactor?: number
  /** Source of randomness in [0, 1). @default Math.random */
  random?: () => number
}

/**
 * The wait sequence of Go's `cenkalti/backoff` `ExponentialBackOff` as edgevpn configures it: the
 * current interval starts at `initialInterval`, is randomised by ±`randomizationFactor` for each
 * wait, then grows by `multiplier` until it reaches `maxInterval` (once it is at least
 * `maxInterval / multiplier` it jumps to exactly `maxInterval`).
 */
export class ExponentialBackoff {
  private readonly initialInterval: number
  private readonly multiplier: number
  private readonly maxInterval: number
  private readonly randomizationFactor: number
  private readonly random: () => number
  private current: number

  constructor (init: ExponentialBackoffInit) {
    this.initialInterval = init.initialInterval ?? 5_000
    this.multiplier = init.multiplier ?? 2
    this.maxInterval = init.maxInterval
    this.randomizationFactor = init.randomizationFactor ?? 0.5
    this.random = init.random ?? Math.random
    if (!(this.maxInterval > 0)) throw new RangeError(`backoff maxInterval must be positive, got ${this.maxInterval}`)
    this.current = this.initialInterval
  }

  /** The next wait in ms; advances the sequence. */
  next (): number {
    const delta = this.randomizationFactor * this.current
    const wait = this.current - delta + this.random() * 2 * delta
    this.current = this.current >= this.maxInterval / this.multiplier
      ? this.maxInterval
      : this.current * this.multiplier
    return wait
  }

  /** Starts over from `initialInterval`. */
  reset (): void {
    this.current = this.initialInterval
  }
}

export type TickTask = (signal: AbortSignal) => Promise<void>

export interface BackoffTickerInit extends ExponentialBackoffInit {
  /** Called with every error `task` throws; the ticker keeps running. @default ignore */
  onError?: (err: unknown) => void
}

/**
 * Edgevpn's "backoff ticker" (spec §0.1) driving a periodic async task: the first run starts
 * immediately, later runs follow the {@link ExponentialBackoff} waits. A run never overlaps the
 * previous one: the next wait starts only when the task has settled.
 *
 * @example
 *
 * ```ts
 * const ticker = new BackoffTicker({ maxInterval: 720_000 }, async (signal) => { await announce(signal) })
 * ticker.start()
 * // ...
 * await ticker.stop() // aborts the running task and waits for it to settle
 * ```
 */
export class BackoffTicker {
  private readonly backoff: ExponentialBackoff
  private readonly task: TickTask
  private readonly onError: (err: unknown) => void
  private controller?: AbortController
  private loop?: Promise<void>

  constructor (init: BackoffTickerInit, task: TickTask) {
    this.backoff = new ExponentialBackoff(init)
    this.task = task
    this.onError = init.onError ?? (() => {})
  }

  isRunning (): boolean {
    return this.controller != null
  }

  start (): void {
    if (this.controller != null) return
    const controller = new AbortController()
    this.controller = controller
    this.backoff.reset()
    this.loop = this.run(controller.signal)
  }

  /** Stops ticking, aborts the task in flight and resolves once it has settled. */
  async stop (): Promise<void> {
    this.controller?.abort()
    this.controller = undefined
    await this.loop
    this.loop = undefined
  }

  private async run (signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.task(signal)
      } catch (err) {
        if (!signal.aborted) this.onError(err)
      }
      await sleep(this.backoff.next(), signal)
    }
  }
}

/** Resolves after `ms`, or early (without error) when `signal` aborts. */
export async function sleep (ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return
  await new Promise<void>(resolve => {
    const done = (): void => {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done, { once: true })
  })
}
