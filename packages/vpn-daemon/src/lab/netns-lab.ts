/**
 * A throwaway network of hosts on one machine: one network namespace per host, each with an
 * `eth0` veth whose peer sits on a bridge in a switch namespace. Used by the demo, the
 * end-to-end tests and the benchmarks. Everything it creates carries its prefix, and
 * `destroy()` removes it, and every process started through it, even after a failure.
 */
import { execFile, spawn } from 'node:child_process'
import type { ChildProcess, SpawnOptions } from 'node:child_process'
import { promisify } from 'node:util'

const run = promisify(execFile)

export interface NetnsLabInit {
  /** Prefix of every namespace and link, at most 8 characters, e.g. `evd`. */
  prefix: string
  /** Number of hosts. */
  hosts: number
  /** First three octets of the underlay /24. @default '10.254.0' */
  subnet?: string
}

export interface LabHost {
  /** Namespace name, e.g. `evd-2`. */
  netns: string
  /** Underlay address of `eth0`, e.g. `10.254.0.2`. */
  address: string
}

export interface NetnsLab {
  hosts: LabHost[]
  /** Runs a command to completion inside a host's namespace and returns its stdout. */
  exec: (host: LabHost, command: string, args: string[]) => Promise<string>
  /**
   * Starts a long-running process inside a host's namespace; it is killed by `destroy()`. With
   * `hostname`, it also gets its own UTS namespace with that host name.
   */
  spawn: (host: LabHost, command: string, args: string[], options?: SpawnOptions & { hostname?: string }) => ChildProcess
  destroy: () => Promise<void>
}

/** Why a lab cannot be built here, or `undefined` when it can (root and `ip` are needed). */
export function netnsUnavailableReason (): string | undefined {
  if (process.getuid?.() !== 0) return 'network namespaces need root'
  return undefined
}

export async function createNetnsLab (init: NetnsLabInit): Promise<NetnsLab> {
  if (!/^[a-z][a-z0-9]{0,7}$/.test(init.prefix)) throw new Error(`lab prefix ${JSON.stringify(init.prefix)} must be 1-8 lowercase letters or digits`)
  const subnet = init.subnet ?? '10.254.0'
  const switchNs = `${init.prefix}-sw`
  const hosts: LabHost[] = Array.from({ length: init.hosts }, (_, i) => ({ netns: `${init.prefix}-${i + 1}`, address: `${subnet}.${i + 1}` }))
  const children = new Set<ChildProcess>()
  const ip = async (...args: string[]): Promise<void> => { await run('ip', args) }

  const destroy = async (): Promise<void> => {
    process.off('exit', destroySync)
    await Promise.all([...children].map(async child => { await stopProcess(child) }))
    for (const ns of [...hosts.map(h => h.netns), switchNs]) {
      await run('ip', ['netns', 'pids', ns]).then(async ({ stdout }) => {
        for (const pid of stdout.split('\n').filter(Boolean)) {
          try { process.kill(Number(pid), 'SIGKILL') } catch {}
        }
      }, () => {})
      await run('ip', ['netns', 'del', ns]).catch(() => {})
    }
  }
  // Last resort if the owner dies without calling destroy(): no leaked namespaces.
  const destroySync = (): void => {
    for (const child of children) child.kill('SIGKILL')
  }
  process.once('exit', destroySync)

  try {
    await destroyLeftovers(init.prefix)
    await ip('netns', 'add', switchNs)
    await ip('-n', switchNs, 'link', 'add', 'br0', 'type', 'bridge')
    await ip('-n', switchNs, 'link', 'set', 'br0', 'up')
    for (const [i, host] of hosts.entries()) {
      const outside = `${init.prefix}-v${i + 1}`
      await ip('netns', 'add', host.netns)
      await ip('link', 'add', outside, 'netns', switchNs, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', host.netns)
      await ip('-n', switchNs, 'link', 'set', outside, 'master', 'br0', 'up')
      await ip('-n', host.netns, 'addr', 'add', `${host.address}/24`, 'dev', 'eth0')
      await ip('-n', host.netns, 'link', 'set', 'eth0', 'up')
      // Without any route, multicast sends fail (ENETUNREACH); a LAN host has one for mDNS.
      await ip('-n', host.netns, 'route', 'add', '224.0.0.0/4', 'dev', 'eth0')
      await ip('-n', host.netns, 'link', 'set', 'lo', 'up')
    }
  } catch (err) {
    await destroy()
    throw err
  }

  return {
    hosts,
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
    destroy
  }
}

/** Removes namespaces of an earlier run with the same prefix that was killed before cleanup. */
async function destroyLeftovers (prefix: string): Promise<void> {
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
