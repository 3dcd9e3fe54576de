/** Runs the scale benchmark (`scale.js`) once per mesh size. */
import { runChildBench } from './child-bench.js'
import type { Progress } from './progress.js'
import type { ScaleResult } from './results.js'

export interface ScaleRunInit {
  sizes: number[]
  settleSeconds: number
  windowSeconds: number
  progress: Progress
}

/** A mesh size that fails (its process exits, or the mesh does not form) leaves the others' rows. */
export async function runScaleBench (init: ScaleRunInit): Promise<ScaleResult> {
  const result: ScaleResult = { settleSeconds: init.settleSeconds, windowSeconds: init.windowSeconds, rows: [], failures: [] }
  for (const size of init.sizes) {
    init.progress.step(`scale: ${size} daemons at rest (their own progress below)`)
    const run = await runChildBench<ScaleResult>('scale.js', ['--sizes', String(size), '--settle', String(init.settleSeconds), '--window', String(init.windowSeconds)], 'ignore')
    if (run.result !== undefined) {
      result.rows.push(...run.result.rows)
      result.failures.push(...run.result.failures)
    } else {
      result.failures.push(`${size} nodes: the benchmark exited with ${run.exitCode} (its error is above in the output)`)
    }
  }
  return result
}
