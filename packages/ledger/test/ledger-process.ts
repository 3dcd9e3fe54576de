import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import type { Command, LedgerNodeConfig } from './fixtures/ledger-node.js'
import type { ChildProcess } from 'node:child_process'

/** Node 24 from the workspace: the machine's /usr/bin/node is too old for libp2p. */
export const NODE = fileURLToPath(new URL('../../../node_modules/.bin/node', import.meta.url))
const FIXTURE = fileURLToPath(new URL('./fixtures/ledger-node.ts', import.meta.url))

export interface ChangeLine {
  bucket: string
  key: string
  value?: string
  origin: 'local' | 'remote'
  t: number
}

export type Result = Record<string, unknown> & { id: number, error?: string }

/** A random network config in the fixture's JSON shape (intervals as strings). */
export function randomNetwork (maxMessageSize = 20 * 1024 * 1024): LedgerNodeConfig['network'] {
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

type CommandBody = Command extends infer C ? C extends { id: number } ? Omit<C, 'id'> : never : never

/** One `ledger-node.ts` process: send commands, follow its change and warning lines. */
export class LedgerProcess {
  readonly name: string
  readonly ready: Promise<{ peerId: string, addrs: string[] }>
  readonly changes: ChangeLine[] = []
  readonly warnings: string[] = []
  readonly stderr: string[] = []
  peerId = ''
  addrs: string[] = []
  private readonly child: ChildProcess
  private readonly exited: Promise<void>
  private readonly pending = new Map<number, (result: Result) => void>()
  private readonly listeners = new Set<() => void>()
  private nextId = 1

  constructor (name: string, config: LedgerNodeConfig) {
    this.name = name
    this.child = spawn(NODE, ['--expose-gc', FIXTURE, JSON.stringify(config)], { stdio: ['pipe', 'pipe', 'pipe'] })
    this.exited = new Promise(resolve => { this.child.once('exit', () => { resolve() }) })
    let onReady: (ready: { peerId: string, addrs: string[] }) => void = () => {}
    this.ready = new Promise((resolve, reject) => {
      onReady = resolve
      this.child.once('exit', code => { reject(new Error(`${name} exited with ${code}: ${this.stderr.slice(-20).join('\n')}`)) })
    })
    this.ready.catch(() => {})
    createInterface({ input: this.child.stderr! }).on('line', line => {
      this.stderr.push(line)
      if (this.stderr.length > 500) this.stderr.shift()
    })
    createInterface({ input: this.child.stdout! }).on('line', line => {
      const message = JSON.parse(line) as Record<string, unknown>
      if (message.event === 'ready') {
        this.peerId = message.peerId as string
        this.addrs = message.addrs as string[]
        onReady({ peerId: this.peerId, addrs: this.addrs })
      }
      if (message.event === 'change') this.changes.push(message as unknown as ChangeLine)
      if (message.event === 'warn') this.warnings.push(message.message as string)
      if (message.event === 'result') this.pending.get(message.id as number)?.(message as Result)
      for (const listener of this.listeners) listener()
    })
  }

  /** Sends a command and resolves with its result; rejects when the node reports an error. */
  async send (command: CommandBody, timeoutMs = 30_000): Promise<Result> {
    const id = this.nextId++
    const result = await new Promise<Result>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id)
        reject(new Error(`${this.name}: no answer to ${command.op} within ${timeoutMs} ms`))
      }, timeoutMs)
      this.pending.set(id, (r) => {
        clearTimeout(timer)
        this.pending.delete(id)
        resolve(r)
      })
      this.child.stdin!.write(JSON.stringify({ ...command, id }) + '\n')
    })
    if (result.error !== undefined) throw new Error(`${this.name}: ${command.op} failed: ${result.error}`)
    return result
  }

  /** The first change line for bucket/key with a value (the moment it became readable). */
  changeOf (bucket: string, key: string): ChangeLine | undefined {
    return this.changes.find(c => c.bucket === bucket && c.key === key && c.value !== undefined)
  }

  /** Resolves once `predicate` holds, re-checked after every line the node prints. */
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

/** Starts nodes and connects each to all earlier ones (a full mesh). */
export async function startMesh (names: string[], config: LedgerNodeConfig, all: LedgerProcess[]): Promise<LedgerProcess[]> {
  const nodes = names.map(name => new LedgerProcess(name, config))
  all.push(...nodes)
  await Promise.all(nodes.map(async node => node.ready))
  for (let i = 1; i < nodes.length; i++) {
    await nodes[i].send({ op: 'dial', addrs: nodes.slice(0, i).map(n => n.addrs[0]) })
  }
  return nodes
}
