/**
 * What every lab topology shares: running commands in its namespaces, the processes started in
 * them, and removing everything (processes first, then namespaces) even after a failure.
 */
import { execFile, spawn } from 'node:child_process'
import { promisify } from 'node:util'
import type { ChildProcess, SpawnOptions } from 'node:child_process'

export const run = promisify(execFile)

/** Runs `ip` with these arguments. */
export async function ip (...args: string[]): Promise<void> {
  await run('ip', args)
}

/** A host of a lab: a network namespace and the address other hosts reach it at. */
export interface LabHost {
  /** Namespace name, e.g. `evd-2`. */
  netns: string
  /** Underlay address of `eth0`, e.g. `10.254.0.2`. */
  address: string
}

export interface LabRuntime {
  /** Runs a command to completion inside a host's namespace and returns its stdout. */
  exec: (host: LabHost, command: string, args: string[]) => Promise<string>
  /**
   * Starts a long-running process inside a host's namespace; it is killed by `destroy()`. With
   * `hostname`, it also gets its own UTS namespace with that host name.
   */
  spawn: (host: LabHost, command: string, args: string[], options?: SpawnOptions & { hostname?: string }) => ChildProcess
  destroy: () => Promise<void>
}

/** Checks a lab prefix: 1-8 lowercase letters, digits or dashes, so every link name fits 15 characters. */
export function checkPrefix (prefix: string): void {
  if (!/^[a-z][a-z0-9-]{0,7}$/.test(prefix)) throw new Error(`lab prefix ${JSON.stringify(prefix)} must be 1-8 lowercase letters, digits or dashes, starting with a letter`)
}

/**
 * Tracks the processes of a lab made of `namespaces` (created by the caller after this call) and
 * removes them all in `destroy()`.
 */
export function createLabRuntime (namespaces: string[]): LabRuntime {
  const children = new Set<ChildProcess>()
  // Last resort if the owner dies without calling destroy(): no orphaned daemons.
  const destroySync = (): void => {
    for (const child of children) child.kill('SIGKILL')
  }
  process.once('exit', destroySync)

  return {
    exec: async (host, command, args) => (await run('ip', ['netns', 'exec', host.netns, command, ...args])).stdout,
    spawn: (host, command, args, { hostname, ...options } = {}) => {
      const argv = hostname === undefined
        ? [command, ...args]
        : ['unshare', '--uts', '--', 'sh', '-c', 'hostname "$0" && exec "$@"', hostname, command, ...args]
      const child = spawn('ip', ['netns', 'exec', host.netns, ...argv], { stdio: 'pipe', ...options })
      children.add(child)
      child.once('exit', () => children.delete(child))
      return child
    },
    destroy: async () => {
      process.off('exit', destroySync)
      await Promise.all([...children].map(async child => { await stopProcess(child) }))
      for (const ns of namespaces) {
        await run('ip', ['netns', 'pids', ns]).then(async ({ stdout }) => {
          for (const pid of stdout.split('\n').filter(Boolean)) {
            try { process.kill(Number(pid), 'SIGKILL') } catch {}
          }
        }, () => {})
        await run('ip', ['netns', 'del', ns]).catch(() => {})
      }
    }
  }
}

/** Removes namespaces of an earlier run with the same prefix that was killed before cleanup. */
export async function destroyLeftovers (prefix: string): Promise<void> {
  const { stdout } = await run('ip', ['netns', 'list'])
  for (const line of stdout.split('\n')) {
    const name = line.split(' ')[0]
    if (name.startsWith(`${prefix}-`)) await run('ip', ['netns', 'del', name]).catch(() => {})
  }
}

/** SIGTERM, then SIGKILL after a grace period. */
export async function stopProcess (child: ChildProcess, graceMs: number = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>(resolve => child.once('exit', () => { resolve() }))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
  await exited
  clearTimeout(timer)
}
