/**
 * What a user has after `npm ci && npm run build` in a fresh clone: the executables on
 * `node_modules/.bin` (npm links them at install time, before the build, so they are committed
 * launchers), and an `edgevpn` that works when the `node` on PATH is older than the one the
 * project pins (Debian ships Node 20): it re-runs itself on the pinned Node.
 */
import { execFile } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, readlinkSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const ROOT = fileURLToPath(new URL('../', import.meta.url))
const BIN = join(ROOT, 'node_modules', '.bin')
const run = promisify(execFile)

interface Result { code: number, stdout: string, stderr: string }

async function exec (file: string, args: string[]): Promise<Result> {
  try {
    const { stdout, stderr } = await run(file, args, { timeout: 30_000, env: { PATH: process.env.PATH ?? '', HOME: tmpdir() } })
    return { code: 0, stdout, stderr }
  } catch (err) {
    return err as Result
  }
}

/** A `node` older than 22.12 on this machine (Debian's), or undefined. */
async function olderNode (): Promise<string | undefined> {
  for (const candidate of ['/usr/bin/node', '/usr/local/bin/node']) {
    const { code, stdout } = await exec(candidate, ['-p', 'process.versions.node'])
    const [major, minor] = stdout.trim().split('.').map(Number)
    if (code === 0 && (major < 22 || (major === 22 && minor < 12))) return candidate
  }
  return undefined
}

describe('the executables of a fresh install', () => {
  it.each([
    ['edgevpn', 'vpn-daemon/bin/edgevpn.js', /^edgevpn version \d+\.\d+\.\d+\n$/, ['--version']],
    ['edgevpn-role-agent', 'kairos-agent/bin/edgevpn-role-agent.js', /^edgevpn-role-agent - /, ['--help']]
  ])('%s is linked to its committed launcher and runs', async (name, target, output, args) => {
    expect(readlinkSync(join(BIN, name))).toBe(`../@edgevpn/${target}`)
    const { code, stdout } = await exec(join(BIN, name), args)
    expect(code).toBe(0)
    expect(stdout).toMatch(output)
  })

  it('says in one line that the checkout is not built yet, instead of a stack trace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'evt-unbuilt-'))
    try {
      mkdirSync(join(dir, 'bin'))
      copyFileSync(join(ROOT, 'packages/vpn-daemon/bin/edgevpn.js'), join(dir, 'bin', 'edgevpn.mjs'))
      const { code, stderr } = await exec(process.execPath, [join(dir, 'bin', 'edgevpn.mjs'), '--version'])
      expect(code).toBe(1)
      expect(stderr).toBe('edgevpn: not built yet: run `npm run build` in the checkout\n')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('runs edgevpn started by an older Node on the pinned one', async (context) => {
    const node = await olderNode()
    if (node === undefined) context.skip('no Node older than 22.12 on this machine')
    for (const entry of [join(ROOT, 'packages/vpn-daemon/bin/edgevpn.js'), join(ROOT, 'packages/vpn-daemon/dist/cli/edgevpn.js')]) {
      const { code, stdout, stderr } = await exec(node as string, [entry, '--version'])
      expect({ code, stderr }, entry).toEqual({ code: 0, stderr: '' })
      expect(stdout).toMatch(/^edgevpn version /)
    }
  })
})
