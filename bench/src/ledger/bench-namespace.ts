/**
 * The private network namespace a ledger benchmark runs in: its loopback carries only the
 * benchmark's traffic, so the idle measurement can read its byte counters.
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { loopbackTransmittedBytes } from './loopback.js'

const run = promisify(execFile)

export interface BenchNamespace {
  readonly name: string
  /** Bytes sent over the namespace's loopback so far. */
  loopbackBytes: () => Promise<number>
  /** Kills every process left in the namespace (only the benchmark's workers run there) and deletes it; safe to call twice. */
  destroy: () => Promise<void>
}

/** Creates namespace `name` with its loopback up. */
export async function createBenchNamespace (name: string): Promise<BenchNamespace> {
  await run('ip', ['netns', 'add', name])
  const destroy = async (): Promise<void> => {
    const { stdout } = await run('ip', ['netns', 'pids', name]).catch(() => ({ stdout: '' }))
    for (const pid of stdout.split('\n').filter(Boolean)) {
      try { process.kill(Number(pid), 'SIGKILL') } catch {} // already gone
    }
    await run('ip', ['netns', 'delete', name]).catch(() => {})
  }
  try {
    await run('ip', ['netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up'])
  } catch (err) {
    await destroy()
    throw err
  }
  return {
    name,
    loopbackBytes: async () => loopbackTransmittedBytes((await run('ip', ['netns', 'exec', name, 'cat', '/proc/net/dev'])).stdout),
    destroy
  }
}
