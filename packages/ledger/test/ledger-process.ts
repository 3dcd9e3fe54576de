import { fileURLToPath } from 'node:url'
import { FixtureProcess, randomNetworkJson } from '@edgevpn/test/support/fixture-process'
import type { Command, LedgerNodeConfig } from './fixtures/ledger-node.js'
import type { FixtureLine } from '@edgevpn/test/support/fixture-process'
const FIXTURE = fileURLToPath(new URL('./fixtures/ledger-node.ts', import.meta.url))

export interface ChangeLine {
  bucket: string
  key: string
  value?: string
  origin: 'local' | 'remote'
  t: number
}

export type Result = Record<string, unknown> & { id: number, error?: string }

/** A random network config in the fixture's JSON shape. */
export const randomNetwork = randomNetworkJson

type CommandBody = Command extends infer C ? C extends { id: number } ? Omit<C, 'id'> : never : never

/** One `ledger-node.ts` process: send commands, follow its change and warning lines. */
export class LedgerProcess extends FixtureProcess<{ peerId: string, addrs: string[] }> {
  readonly changes: ChangeLine[] = []
  readonly warnings: string[] = []
  peerId = ''
  addrs: string[] = []
  private readonly pending = new Map<number, (result: Result) => void>()
  private nextId = 1

  constructor (name: string, config: LedgerNodeConfig) {
    super({ name, script: FIXTURE, args: [JSON.stringify(config)], nodeArgs: ['--expose-gc'] })
  }

  protected override onLine (message: FixtureLine): void {
    if (message.event === 'ready') {
      this.peerId = message.peerId as string
      this.addrs = message.addrs as string[]
    }
    if (message.event === 'change') this.changes.push(message as unknown as ChangeLine)
    if (message.event === 'warn') this.warnings.push(message.message as string)
    if (message.event === 'result') this.pending.get(message.id as number)?.(message as Result)
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
      this.write({ ...command, id })
    })
    if (result.error !== undefined) throw new Error(`${this.name}: ${command.op} failed: ${result.error}`)
    return result
  }

  /** The first change line for bucket/key with a value (the moment it became readable). */
  changeOf (bucket: string, key: string): ChangeLine | undefined {
    return this.changes.find(c => c.bucket === bucket && c.key === key && c.value !== undefined)
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
