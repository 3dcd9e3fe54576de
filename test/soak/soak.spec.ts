/**
 * The soak (docs/soak.md): `npm run soak` for `EDGEVPN_SOAK_MINUTES` minutes (default 10), run
 * as its own process from the BUILT runner (`npx tsc -b` first). It passes when the runner does:
 * no leak slope above its bound and every ping, transfer, ledger write and DNS query delivered.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { e2eUnavailableReason } from '../e2e/lib/test-mesh.js'
import type { ChildProcess } from 'node:child_process'
import type { SoakReport } from '@edgevpn/testbed/soak'

const SOAK_MAIN = fileURLToPath(new URL('../../packages/testbed/dist/soak/main.js', import.meta.url))
const minutes = Number(process.env.EDGEVPN_SOAK_MINUTES ?? 10)
const skipReason = e2eUnavailableReason()

describe.skipIf(skipReason !== undefined)(`soak${skipReason === undefined ? '' : ` (skipped: ${skipReason})`}`, () => {
  const outDir = mkdtempSync(join(tmpdir(), 'evt-soak-report-'))
  let child: ChildProcess | undefined

  afterAll(async () => {
    // SIGINT makes the runner stop its traffic and remove its namespaces.
    if (child !== undefined && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise(resolve => child!.once('exit', resolve))
      child.kill('SIGINT')
      await exited
    }
    rmSync(outDir, { recursive: true, force: true })
  }, 180_000)

  it(`runs ${minutes} min of mixed traffic without leaks or failed traffic`, async () => {
    expect(minutes).toBeGreaterThan(0)
    const out = join(outDir, 'soak.json')
    child = spawn(process.execPath, [SOAK_MAIN, '--minutes', String(minutes), '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] })
    const output: string[] = []
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on('line', line => {
        output.push(line)
        console.log(line)
      })
    }
    const code = await new Promise<number | null>(resolve => child!.once('close', resolve))
    expect(existsSync(out), `no report; last lines:\n${output.slice(-20).join('\n')}`).toBe(true)
    const report = JSON.parse(readFileSync(out, 'utf8')) as SoakReport
    expect(report.failures).toEqual([])
    expect(report.slopes.length).toBeGreaterThan(0)
    expect(code, output.slice(-20).join('\n')).toBe(0)
  }, (minutes + 10) * 60_000)
})
