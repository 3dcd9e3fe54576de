/**
 * A daemon of a benchmarked VPN running in a lab host, its output kept in a log file so that a
 * daemon that dies or never connects can be explained, and a measured one writes to no pipe.
 */
import { closeSync, openSync, readFileSync } from 'node:fs'
import { stopProcess } from '@edgevpn/testbed/lab'
import type { LabHost, NetnsLab } from '@edgevpn/testbed/lab'
import type { ChildProcess } from 'node:child_process'

export interface LabProcessInit {
  /** Names the process in errors, e.g. `nebula on evtb-1`. */
  name: string
  command: string
  args: string[]
  /** File that receives the process's stdout and stderr. */
  logFile: string
  /** Environment added to ours. @default none */
  env?: Record<string, string>
}

/** How many log lines an error message quotes. */
const QUOTED_LOG_LINES = 15

export class LabProcess {
  readonly name: string
  readonly logFile: string
  /** Rejects, naming the process and quoting its log, once it has exited. */
  readonly exited: Promise<never>
  readonly #child: ChildProcess

  constructor (lab: NetnsLab, host: LabHost, init: LabProcessInit) {
    this.name = init.name
    this.logFile = init.logFile
    const log = openSync(init.logFile, 'a')
    try {
      // `ip netns exec` execs the command, so the child's PID is the daemon's.
      this.#child = lab.spawn(host, init.command, init.args, { stdio: ['ignore', log, log], env: { ...process.env, ...init.env } })
    } finally {
      closeSync(log)
    }
    this.exited = new Promise((_resolve, reject) => {
      this.#child.once('exit', (code, signal) => { reject(new Error(`${this.name} exited (${code ?? signal}); log:\n${this.logTail()}`)) })
    })
    this.exited.catch(() => {}) // observed by whoever races it; an expected exit after stop() is no error
  }

  get pid (): number {
    if (this.#child.pid === undefined) throw new Error(`${this.name} did not start`)
    return this.#child.pid
  }

  /** The last lines of the process's log. */
  logTail (lines: number = QUOTED_LOG_LINES): string {
    try {
      return readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')
    } catch {
      return '(no log)'
    }
  }

  /** SIGTERM, then SIGKILL after `graceMs`. */
  async stop (graceMs: number = 3000): Promise<void> {
    await stopProcess(this.#child, graceMs)
  }
}
