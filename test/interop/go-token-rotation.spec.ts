/**
 * Token rotation in a mixed mesh: two Go edgevpn nodes and two of ours on a token whose OTPs turn
 * every 30 s (gossip topic, seal key and DHT rendezvous all rotate), every node writing to the
 * ledger through its API all the time, across at least six rotations. Every write must reach every
 * node within two sync intervals. Go builds a new gossipsub router at each rotation, and a stream
 * a peer keeps to its old router can silence a Go/ours pair until the next rotation
 * (docs/compatibility.md); ours renews its stream when the new router opens one. The delays are
 * printed.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createNetnsLab } from '@edgevpn/testbed/lab'
import { LabDaemon, labHome, unixApiRequest, waitFor } from '@edgevpn/testbed/lab/tools'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GO_EDGEVPN, goPeerUnavailableReason } from './lib/go-peer.js'
import type { NetnsLab } from '@edgevpn/testbed/lab'

const OTP_INTERVAL_S = 30
const ROTATIONS = 6
const SYNC_INTERVAL_S = 10
const WRITE_EVERY_MS = 4_000

type Kind = 'go' | 'ours'
interface Node { kind: Kind, name: string, socket: string }

/** When each reader first saw each key: key → reader name → ms since the epoch. */
type Sightings = Map<string, Map<string, number>>

const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

/** The keys of `bucket` a node's API lists now (none when the bucket is absent or the call fails). */
async function keysOf (node: Node, bucket: string): Promise<string[]> {
  const answer = await unixApiRequest(node.socket, 'GET', `/api/ledger/${bucket}`, undefined, 5_000).catch(() => undefined)
  if (answer?.status !== 200) return []
  try { return Object.keys(JSON.parse(answer.body) as Record<string, unknown>) } catch { return [] }
}

describe.skipIf(goPeerUnavailableReason() !== undefined)('OTP rotation every 30 s in a mesh of Go edgevpn and ours', () => {
  let lab: NetnsLab
  let dir: string
  const nodes: Node[] = []
  const daemons: LabDaemon[] = []

  beforeAll(async () => {
    const token = execFileSync(GO_EDGEVPN, ['-g', '-b', '--key-otp-interval', String(OTP_INTERVAL_S)], { encoding: 'utf8' }).trim()
    dir = mkdtempSync(join(tmpdir(), 'evt-rot-'))
    lab = await createNetnsLab({ prefix: 'evtgr', hosts: 4, subnet: '10.254.92' })
    for (const [i, host] of lab.hosts.entries()) {
      const kind: Kind = i % 2 === 0 ? 'go' : 'ours'
      const name = `${kind}-${i + 1}`
      const socket = join(dir, `${name}.sock`)
      const flags = ['api', '--listen', `unix://${socket}`, '--dht=false', '--ledger-synchronization-interval', String(SYNC_INTERVAL_S), '--log-level', 'info']
      nodes.push({ kind, name, socket })
      daemons.push(new LabDaemon(lab, host, {
        name,
        env: { EDGEVPNTOKEN: token, HOME: labHome(host) },
        ...(kind === 'go' ? { command: [GO_EDGEVPN, ...flags] } : { args: flags })
      }))
    }
    // the mesh has formed when a write from each node is on every node
    for (const node of nodes) {
      expect((await waitFor(`${node.name}'s API`, async () => await unixApiRequest(node.socket, 'PUT', `/api/ledger/hello/${node.name}/1`).catch(() => undefined), 30_000)).status).toBe(200)
    }
    for (const node of nodes) {
      await waitFor(`every hello on ${node.name}`, async () => (await keysOf(node, 'hello')).length === nodes.length ? true : undefined, 90_000, 500)
    }
  }, 150_000)

  afterAll(async () => {
    await Promise.all(daemons.map(async daemon => { await daemon.stop() }))
    await lab?.destroy()
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
  })

  const boundS = 2 * SYNC_INTERVAL_S
  it(`carries every write from each kind to every node within ${boundS} s across ${ROTATIONS} rotations`, async () => {
    const written = new Map<string, { at: number, writer: Node }>()
    const seen: Sightings = new Map()
    const started = Date.now()
    // start just after a boundary so that the run spans ROTATIONS whole periods
    const periodMs = OTP_INTERVAL_S * 1000
    await sleep(periodMs - (started % periodMs) + 500)
    const writeUntil = Date.now() + ROTATIONS * periodMs
    let reading = true

    const readers = nodes.map(async reader => {
      while (reading) {
        const now = Date.now()
        for (const key of await keysOf(reader, 'rotation')) {
          const sightings = seen.get(key) ?? new Map<string, number>()
          if (!sightings.has(reader.name)) sightings.set(reader.name, now)
          seen.set(key, sightings)
        }
        await sleep(500)
      }
    })
    const writers = nodes.map(async (writer, index) => {
      await sleep(index * (WRITE_EVERY_MS / nodes.length))
      for (let sequence = 1; Date.now() < writeUntil; sequence++) {
        const key = `${writer.name}-${sequence}`
        const at = Date.now()
        const answer = await unixApiRequest(writer.socket, 'PUT', `/api/ledger/rotation/${key}/${sequence}`)
        expect(answer.status, `PUT ${key}`).toBe(200)
        written.set(key, { at, writer })
        await sleep(WRITE_EVERY_MS)
      }
    })
    await Promise.all(writers)
    // stragglers get the full bound, then the readers stop
    await waitFor('every write on every node', async () => [...written.keys()].every(key => seen.get(key)?.size === nodes.length) ? true : undefined, boundS * 1000 + 5_000, 1_000).catch(() => {})
    reading = false
    await Promise.all(readers)

    // delays by writer kind → reader kind
    const delays = new Map<string, number[]>()
    const missing: string[] = []
    for (const [key, { at, writer }] of written) {
      for (const reader of nodes) {
        const when = seen.get(key)?.get(reader.name)
        if (when === undefined) { missing.push(`${key} on ${reader.name}`); continue }
        const pair = `${writer.kind} → ${reader.kind}`
        delays.set(pair, [...(delays.get(pair) ?? []), Math.max(0, when - at)])
      }
    }
    const rotations = Math.floor(Date.now() / periodMs) - Math.floor((started + periodMs) / periodMs)
    console.log(`${written.size} writes over ${rotations} rotations (OTP ${OTP_INTERVAL_S} s, sync ${SYNC_INTERVAL_S} s); seconds from PUT to first sighting (polled every 0.5 s):`)
    for (const [pair, values] of [...delays].sort()) {
      const sorted = [...values].sort((a, b) => a - b)
      const at = (q: number): string => (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] / 1000).toFixed(1)
      console.log(`  ${pair.padEnd(12)} n=${String(sorted.length).padStart(3)}  median ${at(0.5)}  p95 ${at(0.95)}  max ${(sorted[sorted.length - 1] / 1000).toFixed(1)}`)
    }
    expect(rotations).toBeGreaterThanOrEqual(ROTATIONS)
    expect(missing, 'writes never seen').toEqual([])
    for (const [pair, values] of delays) expect(Math.max(...values), pair).toBeLessThanOrEqual(boundS * 1000)
  }, (ROTATIONS + 4) * OTP_INTERVAL_S * 1000)
})
