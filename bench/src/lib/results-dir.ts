/** Where the benchmarks write their results: `bench/results/`, one file per run plus `latest.*`. */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const RESULTS_DIR = fileURLToPath(new URL('../../results/', import.meta.url))

/** A file name part for `date`, e.g. `2026-11-22T04-10-00Z`. */
export function fileStamp (date: Date): string {
  return date.toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-')
}

/**
 * Writes `<name>-<stamp>.<ext>` and, with `latest`, copies it to `latest.<ext>`.
 *
 * @returns the path written
 */
export function writeResult (name: string, date: Date, ext: string, content: string, latest: boolean = false): string {
  mkdirSync(RESULTS_DIR, { recursive: true })
  const file = join(RESULTS_DIR, `${name}-${fileStamp(date)}.${ext}`)
  writeFileSync(file, content)
  if (latest) copyFileSync(file, join(RESULTS_DIR, `latest.${ext}`))
  return file
}
