/**
 * Ledger convergence benchmark: how long a write takes to be readable on every node of a 10- and
 * a 50-node mesh (p50/p99 of the slowest reader per write), how long a 100-write burst takes, and
 * how many bytes an idle node exchanges per minute once the ledger is quiet (digest summaries,
 * gossipsub and libp2p upkeep).
 *
 * The nodes run in worker processes of at most `--nodes-per-process` nodes each (default 10; 50
 * nodes: 5 processes), each node with its own libp2p host on loopback TCP, so no event loop
 * carries the whole mesh. This process only coordinates them (`ledger/worker-mesh.ts`). All run
 * in a private network namespace, so its loopback byte counters count only this benchmark's
 * traffic; the namespace and every worker go at the end, also on failure, SIGINT or SIGTERM.
 *
 *   npm run build && node bench/dist/ledger-convergence.js [--sizes 10,50] [--writes 20] [--idle-seconds 20] [--nodes-per-process 10] [--json FILE]
 *
 * `--json FILE` also writes the rows there (`npm run bench` reads them).
 */
import { writeFileSync } from 'node:fs'
import { constants, loadavg } from 'node:os'
import { createBenchNamespace } from './ledger/bench-namespace.js'
import { BURST_WRITES, measureMesh, WRITE_TIMEOUT_MS } from './ledger/mesh-benchmark.js'
import { parseLedgerOptions } from './ledger/options.js'
import { readFlagsOrExit } from './lib/flags.js'
import type { LedgerRow } from './lib/results.js'

const log = (line: string): void => { process.stderr.write(`${line}\n`) }
const options = readFlagsOrExit('ledger', () => parseLedgerOptions(process.argv.slice(2)))
if (process.getuid?.() !== 0) {
  log('the ledger benchmark needs root: it runs its nodes in a network namespace of its own')
  process.exit(2)
}
// Per run, so that a run killed before its cleanup leaves nothing in the way of the next.
const namespace = await createBenchNamespace(`evtl-ledger-${process.pid}`)
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping the workers and removing namespace ${namespace.name}`)
    void namespace.destroy().finally(() => process.exit(128 + constants.signals[signal]))
  })
}

const rows: LedgerRow[] = []
try {
  for (const size of options.sizes) {
    // Others' work on the machine slows every process of the mesh: say how busy it was.
    log(`measuring ${size} nodes (${options.writes} writes, ${options.idleSeconds} s idle), load average ${loadavg().map(l => l.toFixed(2)).join(' ')}`)
    rows.push(await measureMesh({ nodes: size, writes: options.writes, idleSeconds: options.idleSeconds, nodesPerProcess: options.nodesPerProcess, namespace, log }))
  }
} finally {
  await namespace.destroy()
}

console.log(`ledger convergence: nodes in worker processes of up to ${options.nodesPerProcess} (${process.version}), TCP on loopback in netns ${namespace.name}, ownership enforce, each node dials 3 earlier ones`)
console.log(`| nodes | writes | not converged in ${WRITE_TIMEOUT_MS / 1000} s | p50 ms | p99 ms | max ms | ${BURST_WRITES}-write burst on all nodes, ms | idle bytes/node/min | ledger entries (block JSON bytes) |`)
console.log('|---|---|---|---|---|---|---|---|---|')
for (const r of rows) {
  console.log(`| ${r.nodes} | ${r.writes} | ${r.unconverged} | ${r.p50.toFixed(0)} | ${r.p99.toFixed(0)} | ${r.max.toFixed(0)} | ${r.burstMs.toFixed(0)} | ${Math.round(r.idleBytesPerNodeMinute)} | ${BURST_WRITES + r.writes + 1} (~${r.blockBytes}) |`)
}
console.log('idle bytes include libp2p upkeep (gossipsub heartbeats, identify, ping) besides the digest summaries')
if (options.jsonFile !== undefined) writeFileSync(options.jsonFile, JSON.stringify(rows, null, 2))
