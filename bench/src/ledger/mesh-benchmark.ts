/**
 * One mesh size of the ledger benchmark: time single writes until every node reads them, then a
 * burst, then the idle traffic once the ledger is quiet.
 */
import { loadavg } from 'node:os'
import { percentile, sleep } from '../lib/measure.js'
import { monotonicMs } from './clock.js'
import { ConvergenceTimeoutError } from './convergence-tracker.js'
import { WorkerMesh } from './worker-mesh.js'
import type { LedgerRow } from '../lib/results.js'
import type { BenchNamespace } from './bench-namespace.js'

/** Writes spread over the nodes in the burst. */
export const BURST_WRITES = 100
/** A write not on every node by then counts as not converged (and leaves the percentiles). */
export const WRITE_TIMEOUT_MS = 60_000
const BURST_TIMEOUT_MS = 300_000
/** Ticker start-up (immediate tick, then 2.5-7.5 s, then up to 15 s) before idle traffic is steady. */
const SETTLE_MS = 12_000

export interface MeshBenchmarkInit {
  nodes: number
  writes: number
  idleSeconds: number
  nodesPerProcess: number
  /** Where the workers run; its loopback counters give the idle traffic. */
  namespace: BenchNamespace
  /** Receives progress and non-fatal problems (a write that did not converge). */
  log: (line: string) => void
}

export async function measureMesh (init: MeshBenchmarkInit): Promise<LedgerRow> {
  const mesh = new WorkerMesh({ nodes: init.nodes, nodesPerProcess: init.nodesPerProcess, netns: init.namespace.name })
  try {
    await mesh.start()
    init.log(`${init.nodes} nodes up and connected, in ${mesh.processes.length} processes (${mesh.processes.join(' + ')} nodes)`)
    await mesh.put(0, 'warm-up', true)
    await mesh.everywhere('warm-up', WRITE_TIMEOUT_MS)

    const delays: number[] = []
    let unconverged = 0
    const writesCpu = cpuMeter(mesh)
    for (let i = 0; i < init.writes; i++) {
      const key = `w${i}`
      const start = await mesh.put(Math.floor(Math.random() * init.nodes), key, i)
      try {
        delays.push(await mesh.everywhere(key, WRITE_TIMEOUT_MS) - start)
      } catch (err) {
        if (!(err instanceof ConvergenceTimeoutError)) throw err
        init.log(`${key} was not on every node within ${WRITE_TIMEOUT_MS} ms (${await mesh.nodesHolding(key)}/${init.nodes} nodes had it when asked right after)`)
        unconverged++
      }
    }
    delays.sort((a, b) => a - b)
    // Not in the row: it tells whether the mesh needed more CPU than the machine had.
    init.log(`${init.nodes} nodes during the single writes: ${writesCpu().toFixed(0)} % of one core in all, load average ${loadavg()[0].toFixed(2)}`)

    let burstMs = NaN
    const keys = Array.from({ length: BURST_WRITES }, (_, i) => `idle${i}`)
    const burstStart = monotonicMs()
    await mesh.putMany(keys, 'x'.repeat(64))
    try {
      const readable = await Promise.all(keys.map(async key => mesh.everywhere(key, BURST_TIMEOUT_MS)))
      burstMs = Math.max(...readable) - burstStart
    } catch (err) {
      if (!(err instanceof ConvergenceTimeoutError)) throw err
      init.log(`burst did not converge: ${err.message}`) // the idle traffic is still worth measuring
    }

    await sleep(SETTLE_MS)
    const before = await init.namespace.loopbackBytes()
    const idleCpu = cpuMeter(mesh)
    await sleep(init.idleSeconds * 1000)
    const idleBytes = await init.namespace.loopbackBytes() - before
    const idleCpuPercent = idleCpu()
    init.log(`${init.nodes} nodes idle: ${idleCpuPercent.toFixed(0)} % of one core in all (${(idleCpuPercent / init.nodes).toFixed(1)} % per node), load average ${loadavg()[0].toFixed(2)}`)
    return {
      nodes: init.nodes,
      writes: init.writes,
      unconverged,
      p50: percentile(delays, 0.5),
      p99: percentile(delays, 0.99),
      max: delays.at(-1) ?? NaN,
      idleBytesPerNodeMinute: idleBytes / init.nodes * 60 / init.idleSeconds,
      idleSeconds: init.idleSeconds,
      blockBytes: await mesh.blockBytes(),
      burstMs
    }
  } finally {
    await mesh.stop()
  }
}

/** Starts measuring; the returned function gives the workers' CPU use since then, in per cent of one core. */
function cpuMeter (mesh: WorkerMesh): () => number {
  const start = { at: monotonicMs(), cpu: mesh.cpuSeconds() }
  return () => (mesh.cpuSeconds() - start.cpu) / (monotonicMs() - start.at) * 1000 * 100
}
