/**
 * A worker process of the ledger benchmark: runs some nodes of the mesh and does what its
 * coordinator asks (see `protocol.ts`), requests on stdin, answers on stdout. It reports a key
 * once all its nodes can read it, stamped with the monotonic clock all processes share. It stops
 * its nodes and exits when stdin closes (also when the coordinator dies) or on SIGTERM/SIGINT.
 *
 * Started by the coordinator (`node-worker-client.ts`), not by hand.
 */
import { createInterface } from 'node:readline'
import { encodeBlock } from '@edgevpn/ledger'
import { BENCH_BUCKET, startBenchNode } from './bench-node.js'
import { networkConfig } from './bench-network.js'
import { monotonicMs } from './clock.js'
import { encodeMessage, parseCoordinatorMessage } from './protocol.js'
import type { BenchNode } from './bench-node.js'
import type { CoordinatorMessage, WorkerMessage, WorkerRequest, WorkerResults } from './protocol.js'

/** Stopping nodes can hang on a connection that is already gone; exit anyway after this. */
const STOP_TIMEOUT_MS = 5000

const nodes: BenchNode[] = []
/** Per key: how many of our nodes can read it, and when the last of them could. */
const seen = new Map<string, { nodes: number, at: number }>()

function send (message: WorkerMessage): void {
  process.stdout.write(encodeMessage(message))
}

function onSeen (key: string): void {
  const at = monotonicMs()
  const count = (seen.get(key)?.nodes ?? 0) + 1
  seen.set(key, { nodes: count, at })
  if (count === nodes.length) send({ seen: key, at })
}

function nodeAt (index: number): BenchNode {
  const node = nodes[index]
  if (node === undefined) throw new Error(`no node ${index} in this worker (it runs ${nodes.length})`)
  return node
}

async function handle (request: WorkerRequest): Promise<WorkerResults[WorkerRequest['op']]> {
  switch (request.op) {
    case 'start': {
      if (nodes.length > 0) throw new Error('the nodes are already started')
      const config = networkConfig(request.network)
      const started = await Promise.all(Array.from({ length: request.nodes }, async () => startBenchNode(config, onSeen)))
      nodes.push(...started)
      return { addresses: nodes.map(node => node.address) }
    }
    case 'dial': {
      const node = nodeAt(request.node)
      for (const address of request.addresses) {
        await node.dial(address).catch((err: Error) => { throw new Error(`node ${request.node} could not dial ${address}: ${err.message}`) })
      }
      return {}
    }
    case 'put': {
      const node = nodeAt(request.node)
      const at = monotonicMs()
      await node.ledger.put(BENCH_BUCKET, request.key, request.value)
      return { at }
    }
    case 'count':
      return { seen: seen.get(request.key)?.nodes ?? 0 }
    case 'block-bytes':
      return { bytes: Buffer.byteLength(encodeBlock(nodeAt(0).ledger.lastBlock())) }
  }
}

let stopping = false
async function shutdown (): Promise<void> {
  if (stopping) return
  stopping = true
  const stopped = Promise.allSettled(nodes.map(async node => { await node.stop() }))
  await Promise.race([stopped, new Promise(resolve => setTimeout(resolve, STOP_TIMEOUT_MS).unref())])
  process.exit(0)
}

process.once('SIGTERM', () => { void shutdown() })
process.once('SIGINT', () => { void shutdown() })

const lines = createInterface({ input: process.stdin })
lines.on('line', line => {
  let message: CoordinatorMessage
  try {
    message = parseCoordinatorMessage(line)
  } catch (err) {
    process.stderr.write(`ledger worker: ${(err as Error).message}\n`) // no id to answer to
    return
  }
  const { id, request } = message
  handle(request).then(
    result => { send({ id, result }) },
    (err: Error) => { send({ id, error: err.message }) }
  )
})
lines.on('close', () => { void shutdown() })
