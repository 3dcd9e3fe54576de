import { spawn } from 'node:child_process'
import { mkdir, open, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { K3sStartError } from './errors.js'

export interface K3sServiceInit {
  /** The k3s executable (a path, or a name looked up on `PATH`). */
  binary: string
  /**
   * How long a started k3s must keep running, or take to exit with status 0, to count as
   * started, in ms. A one-shot launcher (e.g. a script that starts a systemd unit) exits 0
   * within it; `k3s server` keeps running.
   *
   * @default 3000
   */
  startGraceMs?: number
  /**
   * Environment of the k3s process.
   *
   * @default process.env
   */
  env?: NodeJS.ProcessEnv
}

/** What {@link K3sService.ensure} found or did. */
export type K3sState = 'started' | 'already running' | 'already applied'

export interface K3sService {
  /**
   * Makes k3s run with `args` (e.g. `['agent', '--server', …]`): nothing when the same command
   * is already running (or, for a one-shot launcher, already succeeded); otherwise stops a k3s
   * started earlier with other arguments, starts this one, and records it in `stateDir`.
   *
   * @throws K3sStartError when the command cannot be started or exits with a failure
   */
  ensure: (stateDir: string, args: string[]) => Promise<K3sState>
}

/** `<stateDir>/k3s.json`: the k3s command applied last. */
interface AppliedCommand {
  command: string[]
  /** Process group of a k3s that kept running; absent for a one-shot launcher that exited 0. */
  pid?: number
}

const APPLIED_FILE = 'k3s.json'
const LOG_FILE = 'k3s.log'

/**
 * Starts k3s the way a service manager would: detached in its own process group, output to
 * `<stateDir>/k3s.log`, outliving the role agent. What it started is recorded, so that a
 * restarted agent recognises a role as applied instead of starting k3s twice, and starts it
 * again only when it is gone or must run with other arguments (e.g. a new master address).
 */
export function createK3sService (init: K3sServiceInit): K3sService {
  const startGraceMs = init.startGraceMs ?? 3000

  const launch = async (stateDir: string, command: string[]): Promise<AppliedCommand> => {
    const log = await open(join(stateDir, LOG_FILE), 'a')
    try {
      const child = spawn(command[0], command.slice(1), { detached: true, stdio: ['ignore', log.fd, log.fd], env: init.env ?? process.env })
      const exit = await new Promise<number | string | undefined>((resolve, reject) => {
        const timer = setTimeout(() => { resolve(undefined) }, startGraceMs)
        child.once('error', err => {
          clearTimeout(timer)
          reject(new K3sStartError(`cannot start ${command[0]}: ${err.message}`))
        })
        child.once('exit', (code, signal) => {
          clearTimeout(timer)
          resolve(code ?? signal ?? undefined)
        })
      })
      if (exit === undefined && child.pid !== undefined) {
        child.unref()
        return { command, pid: child.pid }
      }
      if (exit !== 0) throw new K3sStartError(`${command.join(' ')} exited with ${typeof exit === 'number' ? `status ${exit}` : exit}; see ${join(stateDir, LOG_FILE)}`)
      return { command }
    } finally {
      await log.close()
    }
  }

  return {
    async ensure (stateDir, args) {
      const command = [init.binary, ...args]
      const applied = await readApplied(stateDir)
      if (applied !== undefined && sameList(applied.command, command)) {
        if (applied.pid === undefined) return 'already applied'
        if (await isRunning(applied.pid, applied.command)) return 'already running'
      }
      if (applied?.pid !== undefined && await isRunning(applied.pid, applied.command)) {
        try { process.kill(-applied.pid, 'SIGTERM') } catch {}
      }
      await mkdir(stateDir, { recursive: true })
      const started = await launch(stateDir, command)
      await writeFile(join(stateDir, APPLIED_FILE), JSON.stringify(started) + '\n')
      return 'started'
    }
  }
}

async function readApplied (stateDir: string): Promise<AppliedCommand | undefined> {
  let text: string
  try {
    text = await readFile(join(stateDir, APPLIED_FILE), 'utf8')
  } catch {
    return undefined
  }
  try {
    const value = JSON.parse(text) as Partial<AppliedCommand>
    const commandOk = Array.isArray(value.command) && value.command.every(part => typeof part === 'string')
    const pidOk = value.pid === undefined || (Number.isInteger(value.pid) && value.pid > 0)
    // an unreadable record counts as nothing applied: k3s is started afresh
    return commandOk && pidOk ? { command: value.command as string[], pid: value.pid } : undefined
  } catch {
    return undefined
  }
}

/**
 * Whether `pid` still runs `command`: its command line ends with the command's arguments
 * (the executable may show as an interpreter plus script path), so a recycled pid is not
 * mistaken for k3s.
 */
async function isRunning (pid: number, command: string[]): Promise<boolean> {
  let cmdline: string
  try {
    cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8')
  } catch {
    return false
  }
  const running = cmdline.split('\0').slice(0, -1)
  const args = command.slice(1)
  return running.length > args.length && sameList(running.slice(running.length - args.length), args)
}

function sameList (a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((item, i) => item === b[i])
}
