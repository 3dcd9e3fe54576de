/** Runs the ledger convergence benchmark (`ledger-convergence.js`) once per mesh size. */
import { runChildBench } from './child-bench.js'
import type { Progress } from './progress.js'
import type { LedgerResult, LedgerRow } from './results.js'

export interface LedgerRunInit {
  sizes: number[]
  writes: number
  idleSeconds: number
  progress: Progress
}

/** A mesh size that fails (e.g. its nodes cannot all connect on a loaded machine) leaves the others' rows. */
export async function runLedgerBench (init: LedgerRunInit): Promise<LedgerResult> {
  const result: LedgerResult = { rows: [], failures: [] }
  for (const size of init.sizes) {
    init.progress.step(`ledger: ${size} nodes, ${init.writes} writes, ${init.idleSeconds} s idle`)
    const run = await runChildBench<LedgerRow[]>('ledger-convergence.js', ['--sizes', String(size), '--writes', String(init.writes), '--idle-seconds', String(init.idleSeconds)], 'ignore')
    if (run.exitCode === 0 && run.result !== undefined) {
      result.rows.push(...run.result)
    } else {
      result.failures.push(`${size} nodes: the benchmark exited with ${run.exitCode} (its error is above in the output)`)
      init.progress.note(`ledger at ${size} nodes failed`)
    }
  }
  return result
}
