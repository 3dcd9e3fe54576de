/**
 * What the demo and the end-to-end tests do with a {@link LabRuntime}: run real `edgevpn` daemons
 * in its hosts and watch their JSON logs, ping, and call a daemon's HTTP API from inside its
 * namespace (the API listens on the namespace's loopback, out of reach of the caller's). They work
 * with any lab topology ({@link createNetnsLab}, {@link createNatLab}).
 */
import { request } from 'node:http'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { stopProcess } from './lab-runtime.js'
import type { LabHost, LabRuntime } from './lab-runtime.js'
import type { ChildProcess } from 'node:child_process'

/** The built `edgevpn` CLI of the `@edgevpn/vpn-daemon` package (`npm run build` makes it). */
export const EDGEVPN_CLI = join(dirname(createRequire(import.meta.url).resolve('@edgevpn/vpn-daemon/package.json')), 'dist', 'cli', 'edgevpn.js')

/**
 * The home directory of a lab host's daemons (where they keep their identities), as on a machine
 * of its own: under the system's temporary directory, named after the host's namespace.
 */
export function labHome (host: LabHost): string {
  return join(tmpdir(), 'edgevpn-lab', host.netns)
}

/** One line of a daemon's structured log (see `createLogger` in `@edgevpn/mesh-core`). */
export interface LogRecord {
  level: string
  logger: string
  message: string
  [field: string]: unknown
}

export interface LabDaemonInit {
  /** Names the daemon in errors, e.g. `node-1`. */
  name: string
  /** Command-line arguments of `edgevpn` (flags and subcommand). @default [] */
  args?: string[]
  /** Host name of the daemon's own UTS namespace. @default the machine's host name */
  hostname?: string
  /** Called with every line the daemon writes to stderr, e.g. to print it. @default none */
  onLine?: (line: string) => void
  /** Environment variables added to the daemon's (e.g. an env file's `EDGEVPNTOKEN`). @default none */
  env?: Record<string, string>
  /**
   * A program that starts the daemon instead of the checkout's `edgevpn` with `args`, e.g.
   * `['sh', '-c', serviceScript(...)]` for a release installed in a system image. It gets `env`
   * and nothing else of this process's environment. @default the checkout's `edgevpn`
   */
  command?: string[]
}

/** How many stderr lines a daemon keeps for error messages. */
const KEPT_STDERR_LINES = 30

/** An `edgevpn` process in a lab host; the lab's `destroy()` kills it if `stop()` was not called. */
export class LabDaemon {
  readonly name: string
  readonly host: LabHost
  /** Every JSON log record the daemon wrote so far, oldest first. */
  readonly logs: LogRecord[] = []
  /** Resolves with the exit status (`null` when killed by a signal) once the process has ended. */
  readonly exited: Promise<number | null>
  readonly #child: ChildProcess
  readonly #stderr: string[] = []
  readonly #waiters = new Set<() => void>()
  #closed = false

  constructor (lab: LabRuntime, host: LabHost, init: LabDaemonInit) {
    this.name = init.name
    this.host = host
    const [file, ...args] = init.command ?? [process.execPath, EDGEVPN_CLI, ...init.args ?? []]
    this.#child = lab.spawn(host, file, args, {
      hostname: init.hostname,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: init.command === undefined ? { ...process.env, HOME: labHome(host), ...init.env } : { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', ...init.env }
    })
    createInterface({ input: this.#child.stderr! }).on('line', line => {
      init.onLine?.(line)
      this.#stderr.push(line)
      if (this.#stderr.length > KEPT_STDERR_LINES) this.#stderr.shift()
      const record = parseLogRecord(line)
      if (record !== undefined) this.logs.push(record)
      this.#notify()
    })
    // 'close' rather than 'exit': every stderr line has been read by then.
    this.exited = new Promise(resolve => {
      this.#child.once('close', code => {
        this.#closed = true
        this.#notify()
        resolve(code)
      })
    })
  }

  /** Resolves with the first log record, already written or to come, that matches. */
  async waitForLog (matches: (record: LogRecord) => boolean, timeoutMs: number = 30_000): Promise<LogRecord> {
    return await new Promise((resolve, reject) => {
      const settle = (): void => {
        clearTimeout(timer)
        this.#waiters.delete(check)
      }
      const check = (): void => {
        const found = this.logs.find(matches)
        if (found !== undefined) {
          settle()
          resolve(found)
        } else if (this.#closed) {
          settle()
          reject(new Error(`${this.name} exited (${this.#child.exitCode ?? this.#child.signalCode}) before the awaited log line; last lines:\n${this.#stderr.join('\n')}`))
        }
      }
      const timer = setTimeout(() => {
        settle()
        reject(new Error(`${this.name}: no awaited log line within ${timeoutMs} ms; last lines:\n${this.#stderr.join('\n')}`))
      }, timeoutMs)
      this.#waiters.add(check)
      check()
    })
  }

  /** SIGKILL at once, like a crash or a power cut: no clean shutdown. Resolves once it has ended. */
  async kill (): Promise<void> {
    this.#child.kill('SIGKILL')
    await this.exited
  }

  /** SIGTERM (the daemon shuts down cleanly), SIGKILL if it is still running after `graceMs`. */
  async stop (graceMs: number = 5000): Promise<void> {
    await stopProcess(this.#child, graceMs)
  }

  #notify (): void {
    for (const waiter of this.#waiters) waiter()
  }
}

function parseLogRecord (line: string): LogRecord | undefined {
  try {
    const value: unknown = JSON.parse(line)
    return typeof value === 'object' && value !== null && typeof (value as LogRecord).message === 'string' ? value as LogRecord : undefined
  } catch {
    return undefined
  }
}

/**
 * Calls `probe` until it returns something other than `undefined`, 250 ms apart.
 *
 * @throws Error naming `what` once `timeoutMs` has passed
 */
export async function waitFor<T> (what: string, probe: () => Promise<T | undefined>, timeoutMs: number, pauseMs: number = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`${what}: gave up after ${timeoutMs / 1000} s`)
    await new Promise(resolve => setTimeout(resolve, pauseMs))
  }
}

/** One `ping` from a host: the round trip in ms, or `undefined` without a reply within `waitSeconds`. */
export async function pingOnce (lab: LabRuntime, from: LabHost, address: string, waitSeconds: number = 2): Promise<number | undefined> {
  const out = await lab.exec(from, 'ping', ['-n', '-c', '1', '-W', String(waitSeconds), address]).catch(() => '')
  const match = /time=([\d.]+) ms/.exec(out)
  return match === null ? undefined : Number(match[1])
}

/** The round trip of the first ping that gets a reply, pinging until `timeoutMs` while the mesh forms. */
export async function pingUntilUp (lab: LabRuntime, from: LabHost, address: string, timeoutMs: number): Promise<number> {
  return await waitFor(`ping ${address} from ${from.netns}`, async () => await pingOnce(lab, from, address), timeoutMs)
}

export interface ApiResponse {
  status: number
  /** The media type of `content-type`, without parameters ('' when absent). */
  type: string
  body: string
}

/**
 * An HTTP request to a daemon's API made from inside its host's namespace, with Node's fetch
 * (no curl needed). A JSON `body` is sent as `application/json`.
 */
export async function labApiRequest (lab: LabRuntime, host: LabHost, method: string, path: string, body?: string, apiAddress: string = '127.0.0.1:8080'): Promise<ApiResponse> {
  const script = [
    'const [url, method, body] = process.argv.slice(1)',
    "const response = await fetch(url, { method, body: body === '' ? undefined : body, headers: { 'content-type': 'application/json' } })",
    "process.stdout.write(JSON.stringify({ status: response.status, type: (response.headers.get('content-type') ?? '').split(';')[0], body: await response.text() }))"
  ].join('\n')
  const out = await lab.exec(host, process.execPath, ['--input-type=module', '-e', script, `http://${apiAddress}${path}`, method, body ?? ''])
  return JSON.parse(out) as ApiResponse
}

/**
 * An HTTP request to a daemon's API on a unix socket (`--api-listen unix://…`), which the caller
 * reaches whatever namespace the daemon runs in. Rejects on a transport error or after
 * `timeoutMs`. One connection per request (`agent: false`): a keep-alive pool's idle sockets would
 * count as the daemon's open fds.
 */
export async function unixApiRequest (socketPath: string, method: string, path: string, body?: string, timeoutMs: number = 10_000): Promise<ApiResponse> {
  return await new Promise((resolve, reject) => {
    const headers = body === undefined ? {} : { 'content-type': 'application/json' }
    const req = request({ socketPath, path, method, headers, timeout: timeoutMs, agent: false }, response => {
      const chunks: Buffer[] = []
      response.on('data', (chunk: Buffer) => chunks.push(chunk))
      response.on('end', () => {
        resolve({
          status: response.statusCode ?? 0,
          type: (response.headers['content-type'] ?? '').split(';')[0],
          body: Buffer.concat(chunks).toString('utf8')
        })
      })
      response.on('error', reject)
    })
    req.on('timeout', () => { req.destroy(new Error(`${method} ${path} on ${socketPath}: no answer within ${timeoutMs / 1000} s`)) })
    req.on('error', reject)
    req.end(body)
  })
}
