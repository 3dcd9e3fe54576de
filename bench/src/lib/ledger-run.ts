/**
 * Runs the ledger convergence benchmark (`ledger-convergence.js`) once per mesh size as a child
 * process: it makes a network namespace and worker processes of its own and removes them when it
 * ends, so a failing mesh size cannot leave anything behind in the caller.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Progress } from './progress.js'
import type { LedgerResult, LedgerRow } from './results.js'

const SCRIPT = fileURLToPath(new URL('../ledger-convergence.js', import.meta.url))

export interface LedgerRunInit {
  sizes: number[]
  writes: number
  idleSeconds: number
  progress: Progress
}

/** A mesh size that fails (e.g. its nodes cannot all connect on a loaded machine) leaves the others' rows. */
export async function runLedgerBench (init: LedgerRunInit): Promise<LedgerResult> {
  const dir = mkdtempSync(join(tmpdir(), 'evtb-ledger-'))
  try {
    const result: LedgerResult = { rows: [], failures: [] }
    for (const size of init.sizes) {
      init.progress.step(`ledger: ${size} nodes, ${init.writes} writes, ${init.idleSeconds} s idle`)
      const file = join(dir, `${size}.json`)
      const child = spawn(process.execPath, [SCRIPT, '--sizes', String(size), '--writes', String(init.writes), '--idle-seconds', String(init.idleSeconds), '--json', file], {
        stdio: ['ignore', 'ignore', 'inherit']
      })
      const code = await new Promise<number | null>(resolve => child.once('close', resolve))
      if (code === 0) {
        // JSON writes a figure that could not be measured (NaN) as null.
        result.rows.push(...JSON.parse(readFileSync(file, 'utf8'), (_key, value: unknown) => value === null ? NaN : value) as LedgerRow[])
      } else {
        result.failures.push(`${size} nodes: the benchmark exited with ${code} (its error is above in the output)`)
        init.progress.note(`ledger at ${size} nodes failed`)
      }
    }
    return result
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
