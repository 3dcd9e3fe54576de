/**
 * The soak's mixed traffic, one round at a time: a ledger write read back on every node, a DNS
 * query, a checksummed TCP transfer. Each round reports its outcome; none throws.
 */
import { KeyNotFoundError } from '@edgevpn/api-client'
import { transfer } from './transfers.js'
import type { MeshLab } from './mesh-lab.js'
import type { TransferResult } from './transfers.js'

/** The ledger bucket the soak writes. */
export const SOAK_BUCKET = 'soak'
/**
 * Keys per node that the writes cycle through: the ledger keeps a constant size, so its growth
 * does not pass for a leak.
 */
const KEYS_PER_NODE = 8
/** Pause between two polls of one node's API that did not show the value yet. */
const POLL_MS = 100

export interface LedgerRound {
  writer: string
  key: string
  /**
   * From the PUT until the last node answered with the value; undefined when some never showed
   * it. Every node is polled on its own, so a node's time is late by at most its last pause
   * (`POLL_MS`) and one request, not by a poll of all the others.
   */
  visibleMs: number | undefined
  /** Nodes that did not show the value in time (or whose API failed), with the reason. */
  missing: string[]
  /**
   * The slowest first answer of a node's API, ms: how late a request is answered at all (a mesh
   * of a hundred daemons on two cores answers a hundred requests in a second or so).
   */
  firstPollMs: number
}

/** Writes value `seq` through node `seq % nodes` and waits until every node reads it back. */
export async function ledgerRound (mesh: MeshLab, seq: number, timeoutMs: number): Promise<LedgerRound> {
  const writer = mesh.nodes[seq % mesh.nodes.length]
  const key = `${writer.name}-${seq % KEYS_PER_NODE}`
  const expected = JSON.stringify(seq)
  const started = Date.now()
  const round: LedgerRound = { writer: writer.name, key, visibleMs: undefined, missing: [], firstPollMs: 0 }
  try {
    await mesh.api(writer.index).put(SOAK_BUCKET, key, seq)
  } catch (err) {
    round.missing.push(`${writer.name} (PUT failed: ${(err as Error).message})`)
    return round
  }
  const seenAt = await Promise.all(mesh.nodes.map(async node => {
    let why = 'never showed it'
    for (let first = true; Date.now() - started < timeoutMs; first = false) {
      const polled = Date.now()
      const value = await mesh.api(node.index).getBucketKey(SOAK_BUCKET, key).catch((err: Error) => err)
      if (first) round.firstPollMs = Math.max(round.firstPollMs, Date.now() - polled)
      if (value === expected) return Date.now() - started
      if (value instanceof Error && !(value instanceof KeyNotFoundError)) why = `API failed: ${value.message}`
      await sleep(POLL_MS)
    }
    round.missing.push(`${node.name} (${why})`)
    return undefined
  }))
  if (round.missing.length === 0) round.visibleMs = Math.max(...seenAt.map(ms => ms ?? 0))
  return round
}

export interface DnsRound {
  from: string
  name: string
  /** Whether the answer was exactly the node's VPN address. */
  ok: boolean
  answer: string
}

/** Resolves node `seq + 1`'s name on node `seq` (modulo the node count) with `dig`. */
export async function dnsRound (mesh: MeshLab, seq: number): Promise<DnsRound> {
  const from = mesh.nodes[seq % mesh.nodes.length]
  const target = mesh.nodes[(seq + 1) % mesh.nodes.length]
  const name = `${target.name}.edgevpn.`
  const answer = (await mesh.lab.exec(from.host, 'dig', ['@127.0.0.1', name, 'A', '+short', '+time=2', '+tries=2']).catch(() => '')).trim()
  return { from: from.name, name, ok: answer === target.address, answer }
}

export interface TransferRound extends TransferResult {
  from: string
  to: string
}

/** A transfer between the `seq`-th pair of a rotation over all ordered pairs. */
export async function transferRound (mesh: MeshLab, seq: number, bytes: number, timeoutMs: number): Promise<TransferRound> {
  const n = mesh.nodes.length
  const from = mesh.nodes[seq % n]
  const to = mesh.nodes[(seq + 1 + Math.floor(seq / n) % (n - 1)) % n]
  const result = await transfer(from.host, to.address ?? '', bytes, timeoutMs)
  return { from: from.name, to: to.name, ...result }
}

export async function sleep (ms: number): Promise<void> {
  await new Promise(resolve => setTimeout(resolve, ms))
}
