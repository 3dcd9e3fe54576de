/**
 * A bounded group of concurrent transfers (tunnels, file sends) that a service cuts all at
 * once when it stops, so no stream or socket outlives it.
 */
export class TaskGroup {
  readonly #max: number
  readonly #running = new Set<Promise<void>>()
  readonly #stop = new AbortController()

  /** @param max - most tasks running at once */
  constructor (max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`a task group needs a positive limit, got ${max}`)
    this.#max = max
  }

  get size (): number {
    return this.#running.size
  }

  /**
   * Starts `task` unless the group is full or closed. The task gets a signal that aborts when the
   * group closes; it must release what it holds then. Its errors are its own to handle.
   *
   * @returns whether the task was started
   */
  tryStart (task: (signal: AbortSignal) => Promise<void>): boolean {
    if (this.#stop.signal.aborted || this.#running.size >= this.#max) return false
    const running = task(this.#stop.signal).catch(() => {}).finally(() => { this.#running.delete(running) })
    this.#running.add(running)
    return true
  }

  /** Aborts every task, refuses new ones, and waits until all have finished. */
  async close (reason: Error): Promise<void> {
    this.#stop.abort(reason)
    await Promise.all(this.#running)
  }
}
