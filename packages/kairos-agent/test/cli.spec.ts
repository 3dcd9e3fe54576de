import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const ROLE_AGENT = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url))
const run = promisify(execFile)

/** Runs the built `edgevpn-role-agent` with a clean environment. */
async function roleAgent (args: string[]): Promise<{ code: number, stdout: string, stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [ROLE_AGENT, ...args], { env: { PATH: process.env.PATH ?? '' }, timeout: 20_000 })
    return { code: 0, stdout, stderr }
  } catch (err) {
    return err as { code: number, stdout: string, stderr: string }
  }
}

describe('edgevpn-role-agent', () => {
  it('prints its flags with --help, as edgevpn role-agent does', async () => {
    const { code, stdout } = await roleAgent(['--help'])
    expect(code).toBe(0)
    expect(stdout).toMatch(/^edgevpn-role-agent - assign and apply k3s roles/)
    expect(stdout).toMatch(/--api-address value\t.*\[\$EDGEVPN_API\]/)
    expect(stdout).toMatch(/--api-token-file value/)
  })

  it('exits 1 with one line naming a bad flag or value', async () => {
    for (const [args, message] of [
      [['--no-such-flag'], 'edgevpn-role-agent: flag provided but not defined: -no-such-flag\n'],
      [['--min-nodes', '0'], 'edgevpn-role-agent: --min-nodes must be at least 1, got 0\n'],
      [['--poll-interval', 'soon'], 'edgevpn-role-agent: invalid duration "soon" for --poll-interval (examples: 15s, 2m30s, 1h)\n']
    ] as const) {
      const { code, stderr } = await roleAgent([...args])
      expect(code, args.join(' ')).toBe(1)
      expect(stderr).toBe(message)
    }
  })
})
