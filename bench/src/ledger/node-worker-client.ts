/** The coordinator's handle on one worker process of the ledger benchmark (`ledger-node-worker.js`). */
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { stopProcess } from '@edgevpn/testbed/lab'
import { encodeMessage, parseWorkerMessage } from './protocol.js'
import type { WorkerMessage, WorkerRequest, WorkerResults } from './protocol.js'
import type { ChildProcess } from 'node:child_process'

const WORKER_SCRIPT = fileURLToPath(new URL('./ledger-node-worker.js', import.meta.url))
/** A worker stops its nodes within 5 s of its stdin closing; after this it is killed. */
const STOP_GRACE_MS = 7000

export interface NodeWorkerInit {
  /** Names the worker in errors. */
  index: number
  /** Network namespace the worker runs in. */
  netns: string
  /** All nodes of the worker can read `key` since `at` (monotonic ms). */
  onSeen: (key: string, at: number) => void
  /** The worker ended without being stopped, or spoke out of protocol. */
  onFailure: (err: Error) => void
}

interface Pending {
  resolve: (result: unknown) => void
  reject: (err: Error) => void
}

export class NodeWorker {
  readonly index: number
  readonly #child: ChildProcess
  readonly #pending = new Map<number, Pending>()
  #nextId = 1
  #stopping = false

  constructor (init: NodeWorkerInit) {
    this.index = init.index
    // `ip netns exec` execs Node, so the child is the worker itself. Its stderr is ours.
    this.#child = spawn('ip', ['netns', 'exec', init.netns, process.execPath, WORKER_SCRIPT], { stdio: ['pipe', 'pipe', 'inherit'] })
    this.#child.stdin?.on('error', () => {}) // a dead worker is reported by 'exit'
    const fail = (err: Error): void => {
      for (const pending of this.#pending.values()) pending.reject(err)
      this.#pending.clear()
      init.onFailure(err)
    }
    createInterface({ input: this.#requirePipe(this.#child.stdout) }).on('line', line => {
      let message: WorkerMessage
      try {
        message = parseWorkerMessage(line)
      } catch (err) {
        fail(new Error(`ledger worker ${this.index}: ${(err as Error).message}`))
        return
      }
      if ('seen' in message) {
        init.onSeen(message.seen, message.at)
        return
      }
      const pending = this.#pending.get(message.id)
      this.#pending.delete(message.id)
      if ('error' in message) pending?.reject(new Error(message.error))
      else pending?.resolve(message.result)
    })
    this.#child.once('exit', (code, signal) => {
      if (!this.#stopping) fail(new Error(`ledger worker ${this.index} exited (${code ?? signal})`))
    })
  }

  /** The worker's process ID (`ip netns exec` became the worker). */
  get pid (): number {
    if (this.#child.pid === undefined) throw new Error(`ledger worker ${this.index} did not start`)
    return this.#child.pid
  }

  /** Sends a request and waits for its answer. */
  async request<Op extends WorkerRequest['op']> (request: Extract<WorkerRequest, { op: Op }>): Promise<WorkerResults[Op]> {
    const id = this.#nextId++
    const answer = new Promise<unknown>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject: err => { reject(new Error(`ledger worker ${this.index}, ${request.op}: ${err.message}`)) } })
    })
    this.#requirePipe(this.#child.stdin).write(encodeMessage({ id, request }))
    return await answer as WorkerResults[Op]
  }

  /** Closes the worker's stdin so it stops its nodes; kills it if it takes too long. */
  async stop (): Promise<void> {
    this.#stopping = true
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return
    const exited = new Promise<void>(resolve => this.#child.once('exit', () => { resolve() }))
    this.#child.stdin?.end()
    const timer = setTimeout(() => { void stopProcess(this.#child, 2000) }, STOP_GRACE_MS)
    await exited
    clearTimeout(timer)
  }

  #requirePipe<T> (pipe: T | null): T {
    if (pipe === null) throw new Error(`ledger worker ${this.index} has no pipe`)
    return pipe
  }
}
