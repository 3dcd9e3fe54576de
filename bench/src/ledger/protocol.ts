/**
 * What the ledger benchmark's coordinator and its worker processes say to each other: one JSON
 * object per line, requests on the worker's stdin, answers and events on its stdout.
 */
import type { NetworkSecrets } from './bench-network.js'

/** A ledger value the benchmark writes. */
export type BenchValue = string | number | boolean

/** Nodes are numbered per worker (`node` is the index among that worker's nodes). */
export type WorkerRequest =
  | { op: 'start', nodes: number, network: NetworkSecrets }
  /** Dial these addresses one after the other (with retries). */
  | { op: 'dial', node: number, addresses: string[] }
  | { op: 'put', node: number, key: string, value: BenchValue }
  /** How many of the worker's nodes can read `key`. */
  | { op: 'count', key: string }
  /** Size of the encoded last block of the worker's first node. */
  | { op: 'block-bytes' }

/** The answer to each request. */
export interface WorkerResults {
  /** One listen address per node, in node order. */
  start: { addresses: string[] }
  dial: Record<string, never>
  /** When the put began, on the {@link monotonicMs} clock. */
  put: { at: number }
  count: { seen: number }
  'block-bytes': { bytes: number }
}

export interface CoordinatorMessage {
  id: number
  request: WorkerRequest
}

export type WorkerMessage =
  | { id: number, result: WorkerResults[WorkerRequest['op']] }
  | { id: number, error: string }
  /** Every node of the worker can read `seen`; the last one could from `at` on ({@link monotonicMs}). */
  | { seen: string, at: number }

/** A line that is not a message of this protocol. */
export class WorkerProtocolError extends Error {
  override name = 'WorkerProtocolError'
}

const OPS = new Set<string>(['start', 'dial', 'put', 'count', 'block-bytes'])

export function encodeMessage (message: CoordinatorMessage | WorkerMessage): string {
  return `${JSON.stringify(message)}\n`
}

/** @throws WorkerProtocolError when the line is not a request */
export function parseCoordinatorMessage (line: string): CoordinatorMessage {
  const message = parseObject(line)
  const request = message.request
  if (typeof message.id !== 'number' || typeof request !== 'object' || request === null || !OPS.has((request as { op?: unknown }).op as string)) {
    throw new WorkerProtocolError(`not a worker request: ${line.slice(0, 200)}`)
  }
  return message as unknown as CoordinatorMessage
}

/** @throws WorkerProtocolError when the line is not an answer or event */
export function parseWorkerMessage (line: string): WorkerMessage {
  const message = parseObject(line)
  const answer = typeof message.id === 'number' && ('result' in message || typeof message.error === 'string')
  const event = typeof message.seen === 'string' && typeof message.at === 'number'
  if (!answer && !event) throw new WorkerProtocolError(`not a worker message: ${line.slice(0, 200)}`)
  return message as unknown as WorkerMessage
}

function parseObject (line: string): Record<string, unknown> {
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch {
    throw new WorkerProtocolError(`not JSON: ${line.slice(0, 200)}`)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new WorkerProtocolError(`not a JSON object: ${line.slice(0, 200)}`)
  return value as Record<string, unknown>
}
