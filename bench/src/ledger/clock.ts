/**
 * The clock every process of the ledger benchmark stamps events with. `performance.now()` counts
 * from each process's own start, so two processes' readings cannot be compared;
 * `process.hrtime.bigint()` reads CLOCK_MONOTONIC, which all processes on one Linux machine share.
 */

/** CLOCK_MONOTONIC in milliseconds (microsecond resolution). */
export function monotonicMs (): number {
  return Number(process.hrtime.bigint() / 1000n) / 1000
}
