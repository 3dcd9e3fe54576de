/**
 * The `edgevpn` executable replaces itself once (same PID) with its memory settings for V8; flags
 * the operator gave in NODE_OPTIONS must survive that. Read from /proc/<pid>/cmdline of a real
 * `edgevpn api` process on loopback.
 */
import { spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { encodeToken, generateNetworkConfig } from '@edgevpn/mesh-core'
import { afterEach, describe, expect, it } from 'vitest'
import type { ChildProcess } from 'node:child_process'

const EDGEVPN = fileURLToPath(new URL('../dist/cli/edgevpn.js', import.meta.url))
let child: ChildProcess | undefined

afterEach(() => {
  child?.kill('SIGKILL')
  child = undefined
})

/** Starts `edgevpn api` with `nodeOptions` and returns its arguments once it has re-executed. */
async function daemonArguments (nodeOptions: string): Promise<string[]> {
  child = spawn(process.execPath, [EDGEVPN, 'api', '--listen', '127.0.0.1:0', '--listen-maddrs', '/ip4/127.0.0.1/tcp/0', '--mdns=false', '--dht=false', '--log-level', 'error'], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NODE_OPTIONS: nodeOptions, EDGEVPNTOKEN: encodeToken(generateNetworkConfig()) },
    stdio: 'ignore'
  })
  const deadline = Date.now() + 20_000
  for (;;) {
    const args = (await readFile(`/proc/${child.pid}/cmdline`, 'utf8')).split('\0')
    if (args.includes('--max-semi-space-size=2')) return args
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`edgevpn did not re-execute with its settings: ${args.join(' ')}`)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}

describe.runIf(process.platform === 'linux')('edgevpn runtime flags', () => {
  it('runs the daemon with a small young generation and a 1 GiB heap limit', async () => {
    const args = await daemonArguments('')
    expect(args).toContain('--max-old-space-size=1024')
  })

  it('keeps a heap limit given in NODE_OPTIONS', async () => {
    const args = await daemonArguments('--max-old-space-size=3000')
    expect(args.filter(arg => arg.startsWith('--max-old-space-size'))).toEqual([])
  })
})
