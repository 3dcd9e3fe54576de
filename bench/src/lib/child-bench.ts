/**
 * Runs one benchmark script as a child process that writes its result to a JSON file. Each one
 * builds its own namespaces and processes and removes them when it ends, so a failing run leaves
 * nothing behind in the caller, and its progress and errors go straight to the terminal.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * Runs `bench/dist/<script>` with `args` and `--json <file>`.
 *
 * @returns its exit code, and the JSON it wrote if it wrote one (a script that measured some of
 * its runs writes them and exits non-zero); a figure that could not be measured, written as
 * null, reads as NaN
 */
export async function runChildBench<T> (script: string, args: string[], output: 'inherit' | 'ignore'): Promise<{ result?: T, exitCode: number | null }> {
  const dir = mkdtempSync(join(tmpdir(), 'evtb-child-'))
  try {
    const file = join(dir, 'result.json')
    const child = spawn(process.execPath, [fileURLToPath(new URL(`../${script}`, import.meta.url)), ...args, '--json', file], {
      stdio: ['ignore', output, 'inherit']
    })
    const exitCode = await new Promise<number | null>(resolve => child.once('close', resolve))
    if (!existsSync(file)) return { exitCode }
    return { exitCode, result: JSON.parse(readFileSync(file, 'utf8'), (_key, value: unknown) => value === null ? NaN : value) as T }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
