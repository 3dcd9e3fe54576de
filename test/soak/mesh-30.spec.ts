/**
 * The mesh at CI size: 30 real daemons (VPN on, API, mDNS), one per network namespace on one
 * bridge. It forms (each node has the connections it dials), writes converge on every node,
 * sampled pairs ping over the VPN, and no daemon dies. Timings belong to `bench/dist/scale.js`;
 * this asserts behaviour only. It runs in the soak's lane of `npm test`, after the soak.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { DEFAULT_LOW_WATER } from '@edgevpn/mesh-core'
import { pingUntilUp } from '@edgevpn/testbed/lab/tools'
import { ledgerRound, MeshLab } from '@edgevpn/testbed/soak'
import { e2eUnavailableReason } from '../e2e/lib/test-mesh.js'

const NODES = 30
const skipReason = e2eUnavailableReason()

describe.skipIf(skipReason !== undefined)(`a mesh of ${NODES} daemons${skipReason === undefined ? '' : ` (skipped: ${skipReason})`}`, () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'evt-mesh30-'))
  let mesh: MeshLab | undefined

  afterAll(async () => {
    await mesh?.destroy()
    rmSync(stateDir, { recursive: true, force: true })
  }, 120_000)

  it('forms, converges every write on every node, pings across it and loses no daemon', async () => {
    mesh = await MeshLab.create({ prefix: 'evtsc', nodes: NODES, subnet: '10.254.101', stateDir, addressing: 'static', syncIntervalSeconds: 10 })
    await mesh.startAll()
    await mesh.waitForConnections(DEFAULT_LOW_WATER, 120_000)

    for (let seq = 0; seq < 5; seq++) {
      const round = await ledgerRound(mesh, seq * 7, 30_000)
      expect(round.missing, `write ${seq} from ${round.writer}`).toEqual([])
    }
    // pairs across the mesh, most of them without a connection of their own before the ping
    for (const [from, to] of [[0, 29], [29, 0], [5, 17], [12, 24], [21, 3]]) {
      await pingUntilUp(mesh.lab, mesh.nodes[from].host, mesh.nodes[to].address ?? '', 30_000)
    }
    expect(mesh.nodes.filter(node => !mesh!.running(node.index)).map(node => node.name)).toEqual([])
    const metrics = await Promise.all(mesh.nodes.map(async node => await mesh!.metrics(node.index).then(() => true, () => false)))
    expect(metrics.every(Boolean)).toBe(true)
  }, 600_000)
})
