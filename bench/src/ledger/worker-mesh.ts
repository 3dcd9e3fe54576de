/**
 * A benchmark mesh spread over worker processes, as the coordinator sees it: nodes numbered
 * 0…n-1 across the workers, writes on any of them, and when a key is readable everywhere.
 */
import { cpuSeconds } from '../lib/measure.js'
import { newNetworkSecrets } from './bench-network.js'
import { ConvergenceTracker } from './convergence-tracker.js'
import { dialTargets, placeNodes, splitIntoProcesses } from './mesh-plan.js'
import { NodeWorker } from './node-worker-client.js'
import type { NodePlace } from './mesh-plan.js'
import type { BenchValue } from './protocol.js'

export interface WorkerMeshInit {
  nodes: number
  /** Most nodes per worker process. */
  nodesPerProcess: number
  /** Network namespace the workers run in. */
  netns: string
  /** Each node dials this many random earlier nodes. @default 3 */
  dialFanout?: number
}

export class WorkerMesh {
  readonly nodes: number
  /** Node count of each worker. */
  readonly processes: number[]
  readonly #places: NodePlace[]
  readonly #workers: NodeWorker[]
  readonly #tracker: ConvergenceTracker
  readonly #dialFanout: number

  /** Spawns the workers; {@link start} starts their nodes. */
  constructor (init: WorkerMeshInit) {
    this.nodes = init.nodes
    this.processes = splitIntoProcesses(init.nodes, init.nodesPerProcess)
    this.#places = placeNodes(this.processes)
    this.#dialFanout = init.dialFanout ?? 3
    const tracker = new ConvergenceTracker(this.processes.length)
    this.#tracker = tracker
    this.#workers = this.processes.map((_, index) => new NodeWorker({
      index,
      netns: init.netns,
      onSeen: (key, at) => { tracker.record(index, key, at) },
      onFailure: err => { tracker.fail(err) }
    }))
  }

  /**
   * Starts every node on a fresh network, then has each dial up to `dialFanout` random earlier
   * nodes: connected, sparse, several hops across. One dial at a time per worker, so handshakes
   * do not pile up in one event loop; the workers dial side by side.
   */
  async start (): Promise<void> {
    const network = newNetworkSecrets()
    const started = await Promise.all(this.#workers.map(async (worker, i) => worker.request({ op: 'start', nodes: this.processes[i], network })))
    const addresses = started.flatMap(answer => answer.addresses)
    const targets = dialTargets(this.nodes, this.#dialFanout)
    await Promise.all(this.#workers.map(async (worker, w) => {
      for (const [node, place] of this.#places.entries()) {
        if (place.worker !== w || targets[node].length === 0) continue
        await worker.request({ op: 'dial', node: place.local, addresses: targets[node].map(target => addresses[target]) })
      }
    }))
  }

  /** Writes `key` on node `node`; resolves with when the write began (monotonic ms). */
  async put (node: number, key: string, value: BenchValue): Promise<number> {
    const { worker, local } = this.#places[node]
    return (await this.#workers[worker].request({ op: 'put', node: local, key, value })).at
  }

  /**
   * Writes each key on nodes 0, 1, 2, … in turn: each worker's writes one after the other, the
   * workers side by side, as independent nodes would.
   */
  async putMany (keys: string[], value: BenchValue): Promise<void> {
    await Promise.all(this.#workers.map(async (_, w) => {
      for (const [i, key] of keys.entries()) {
        if (this.#places[i % this.nodes].worker === w) await this.put(i % this.nodes, key, value)
      }
    }))
  }

  /**
   * When the last node could read `key` (monotonic ms).
   *
   * @throws ConvergenceTimeoutError when some node could not within `timeoutMs`
   */
  async everywhere (key: string, timeoutMs: number): Promise<number> {
    return this.#tracker.everywhere(key, timeoutMs)
  }

  /** On how many nodes `key` is readable now. */
  async nodesHolding (key: string): Promise<number> {
    const seen = await Promise.all(this.#workers.map(async worker => (await worker.request({ op: 'count', key })).seen))
    return seen.reduce((sum, n) => sum + n, 0)
  }

  /** CPU seconds all workers have used so far. */
  cpuSeconds (): number {
    return this.#workers.reduce((sum, worker) => sum + cpuSeconds(worker.pid), 0)
  }

  /** Size of node 0's last block, encoded. */
  async blockBytes (): Promise<number> {
    return (await this.#workers[0].request({ op: 'block-bytes' })).bytes
  }

  /** Stops every worker (and so its nodes). */
  async stop (): Promise<void> {
    await Promise.all(this.#workers.map(async worker => { await worker.stop() }))
  }
}
