/** Collects the workers' "all my nodes can read this key" reports and tells when a key is everywhere. */

/** A key some worker's nodes still could not read when the wait ended. */
export class ConvergenceTimeoutError extends Error {
  override name = 'ConvergenceTimeoutError'
}

interface Waiter {
  resolve: (at: number) => void
  reject: (err: Error) => void
}

export class ConvergenceTracker {
  readonly #workers: number
  /** Per key: the workers that reported it and the latest of their times. */
  readonly #reports = new Map<string, { workers: Set<number>, at: number }>()
  readonly #waiters = new Map<string, Set<Waiter>>()
  #failure: Error | undefined

  /** @param workers - how many workers must report a key before it is everywhere */
  constructor (workers: number) {
    this.#workers = workers
  }

  /** Worker `worker` says all its nodes could read `key` from `at` on. */
  record (worker: number, key: string, at: number): void {
    const report = this.#reports.get(key) ?? { workers: new Set(), at: -Infinity }
    report.workers.add(worker)
    report.at = Math.max(report.at, at)
    this.#reports.set(key, report)
    if (report.workers.size < this.#workers) return
    for (const waiter of this.#waiters.get(key) ?? []) waiter.resolve(report.at)
    this.#waiters.delete(key)
  }

  /**
   * When the last node could read `key` (the clock of the reports).
   *
   * @throws ConvergenceTimeoutError when not every worker reported it within `timeoutMs`
   * @throws the error given to {@link fail}
   */
  async everywhere (key: string, timeoutMs: number): Promise<number> {
    if (this.#failure !== undefined) throw this.#failure
    const report = this.#reports.get(key)
    if (report !== undefined && report.workers.size >= this.#workers) return report.at
    return new Promise((resolve, reject) => {
      const waiters = this.#waiters.get(key) ?? new Set()
      this.#waiters.set(key, waiters)
      const timer = setTimeout(() => {
        waiters.delete(waiter)
        const reached = this.#reports.get(key)?.workers.size ?? 0
        reject(new ConvergenceTimeoutError(`${key} was not on every node after ${timeoutMs} ms (${reached}/${this.#workers} processes had it on all their nodes)`))
      }, timeoutMs)
      const waiter: Waiter = {
        resolve: at => { clearTimeout(timer); resolve(at) },
        reject: err => { clearTimeout(timer); reject(err) }
      }
      waiters.add(waiter)
    })
  }

  /** Ends every wait, now and later, with `err` (e.g. a worker died). */
  fail (err: Error): void {
    this.#failure ??= err
    for (const waiters of this.#waiters.values()) for (const waiter of waiters) waiter.reject(err)
    this.#waiters.clear()
  }
}
