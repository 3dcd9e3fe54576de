/**
 * A test fixture run as its own Node process: it prints one JSON object per line on stdout
 * (the first with `event: 'ready'`), may take JSON commands on stdin, and is stopped with
 * SIGTERM (SIGKILL after 5 s). Subclasses interpret the lines.
 */
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import type { ChildProcess } from 'node:child_process'

/** Node 24 from the workspace: the machine's /usr/bin/node is too old for libp2p. */
export const NODE = fileURLToPath(new URL('../../node_modules/.bin/node', import.meta.url))

export interface FixtureProcessInit {
  name: string
  /** Path of the fixture script (`.ts` files run with Node's type stripping). */
  script: string
  args?: string[]
  /** Options for Node itself, e.g. `--expose-gc`. */
  nodeArgs?: string[]
  /** Run inside this network namespace (`ip netns exec`). */
  netns?: string
}

export type FixtureLine = Record<string, unknown>

/** Stderr lines kept for error messages. */
const STDERR_LINES = 500

/** `R`: the shape of the fixture's `ready` line. */
export class FixtureProcess<R extends object = FixtureLine> {
  readonly name: string
  /** The `ready` line. */
  readonly ready: Promise<R>
  readonly stderr: string[] = []
  protected readonly child: ChildProcess
  private readonly exited: Promise<void>
  private readonly listeners = new Set<() => void>()

  constructor (init: FixtureProcessInit) {
    this.name = init.name
    const argv = [...init.nodeArgs ?? [], init.script, ...init.args ?? []]
    this.child = init.netns === undefined
      ? spawn(NODE, argv, { stdio: ['pipe', 'pipe', 'pipe'] })
      : spawn('ip', ['netns', 'exec', init.netns, NODE, ...argv], { stdio: ['pipe', 'pipe', 'pipe'] })
    this.exited = new Promise(resolve => { this.child.once('exit', () => { resolve() }) })

    let onReady: (line: R) => void = () => {}
    this.ready = new Promise((resolve, reject) => {
      onReady = resolve
      this.child.once('exit', code => { reject(new Error(`${this.name} exited with ${code}: ${this.stderr.slice(-20).join('\n')}`)) })
    })
    this.ready.catch(() => {})

    createInterface({ input: this.child.stderr! }).on('line', line => {
      this.stderr.push(line)
      if (this.stderr.length > STDERR_LINES) this.stderr.shift()
    })
    createInterface({ input: this.child.stdout! }).on('line', text => {
      const line = JSON.parse(text) as FixtureLine
      if (line.event === 'ready') onReady(line as R)
      this.onLine(line)
      for (const listener of this.listeners) listener()
    })
  }

  /** Called for every line the fixture prints, before `waitFor` predicates are re-checked. */
  protected onLine (_line: FixtureLine): void {}

  /** Writes one JSON command line to the fixture's stdin. */
  protected write (command: object): void {
    this.child.stdin!.write(JSON.stringify(command) + '\n')
  }

  /** Resolves once `predicate` holds, re-checked after every printed line. */
  async waitFor (predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
    if (predicate()) return
    await new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (!predicate()) return
        finish()
        resolve()
      }
      const timer = setTimeout(() => {
        finish()
        reject(new Error(`${this.name}: timed out after ${timeoutMs} ms waiting for ${what}`))
      }, timeoutMs)
      const finish = (): void => {
        clearTimeout(timer)
        this.listeners.delete(check)
      }
      this.listeners.add(check)
    })
  }

  /** SIGTERM, then SIGKILL if it has not exited after 5 s. */
  async stop (): Promise<void> {
    if (this.child.exitCode != null || this.child.signalCode != null) return
    this.child.kill('SIGTERM')
    const timer = setTimeout(() => { this.child.kill('SIGKILL') }, 5_000)
    await this.exited
    clearTimeout(timer)
  }
}

/** A random network config in the JSON shape fixtures take (intervals as strings). */
export function randomNetworkJson (maxMessageSize = 20 * 1024 * 1024): {
  otp: { dht: { interval: string, key: string, length: number }, crypto: { interval: string, key: string, length: number } }
  room: string
  rendezvous: string
  mdns: string
  maxMessageSize: number
} {
  const secret = (): string => randomBytes(16).toString('hex')
  return {
    otp: {
      dht: { interval: '360', key: secret(), length: 43 },
      crypto: { interval: '360', key: secret(), length: 43 }
    },
    room: secret(),
    rendezvous: secret(),
    mdns: secret().slice(0, 12),
    maxMessageSize
  }
}
