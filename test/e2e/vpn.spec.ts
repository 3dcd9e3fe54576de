/**
 * Three real `edgevpn` daemons with static addresses in network namespaces on one bridge: the
 * mesh forms over mDNS, every pair pings over the VPN, 100 MiB cross it over TCP intact, and a
 * ledger write through one node's API is read through another's.
 *
 * Spawned daemons run the BUILT packages: `npx tsc -b` first.
 */
import { labApiRequest, pingUntilUp, waitFor } from '@edgevpn/testbed/lab/tools'
import type { LabDaemon } from '@edgevpn/testbed/lab/tools'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TestMesh, e2eUnavailableReason, formatRtts } from './lib/test-mesh.js'
import { transferTcp } from './lib/traffic.js'

const skipReason = e2eUnavailableReason()
const vpnAddress = (index: number): string => `10.1.0.${index + 1}`
const TRANSFER_BYTES = 100 * 1024 * 1024

describe.skipIf(skipReason !== undefined)(`edgevpn daemons with static addresses${skipReason === undefined ? '' : ` (skipped: ${skipReason})`}`, () => {
  let mesh: TestMesh | undefined

  beforeAll(async () => {
    mesh = await TestMesh.create({ prefix: 'evtvpn', hosts: 3, subnet: '10.254.81' })
    const started = mesh.hosts.map((_, i) => mesh!.start(i, ['--address', `${vpnAddress(i)}/24`, '--api', '--api-listen', '127.0.0.1:8080']))
    await Promise.all(started.map(async daemon => await daemon.waitForLog(record => record.message === 'API listening')))
  })

  afterAll(async () => {
    await mesh?.destroy()
  })

  it('every pair pings over the VPN', async () => {
    const { hosts } = mesh!
    const rtts = await mesh!.pingAllPairs(hosts.map((_, i) => vpnAddress(i)), 30_000)
    console.log(`[e2e vpn] first round trips: ${formatRtts(rtts)}`)
    for (const [i, row] of rtts.entries()) for (const [j, ms] of row.entries()) if (i !== j) expect(ms).toBeGreaterThan(0)
  }, 45_000)

  it('carries 100 MiB over TCP intact', async () => {
    const [first, , third] = mesh!.hosts
    const transfer = await transferTcp(mesh!.lab, first, third, vpnAddress(2), 5001, TRANSFER_BYTES)
    expect(transfer.bytes).toBe(TRANSFER_BYTES)
    expect(transfer.receivedBytes).toBe(TRANSFER_BYTES)
    expect(transfer.receivedSha256).toBe(transfer.sentSha256)
    const seconds = transfer.ms / 1000
    console.log(`[e2e vpn] 100 MiB node-1 → node-3 in ${seconds.toFixed(2)} s (${(TRANSFER_BYTES * 8 / 1e6 / seconds).toFixed(0)} Mbit/s)`)
  }, 120_000)

  it('reads on node 3 a ledger value put through node 1', async () => {
    const [first, , third] = mesh!.hosts
    const value = `v${Date.now()}`
    const put = await labApiRequest(mesh!.lab, first, 'PUT', `/api/ledger/e2e/key/${value}`)
    expect(put.status).toBe(200)
    const started = Date.now()
    // Like Go, GET answers the stored Value text (the value's JSON) as a JSON string, "" while missing.
    const read = await waitFor('the ledger value on node-3', async () => {
      const got = await labApiRequest(mesh!.lab, third, 'GET', '/api/ledger/e2e/key')
      const stored = JSON.parse(got.body) as string
      return got.status === 200 && stored !== '' ? JSON.parse(stored) as unknown : undefined
    }, 20_000)
    expect(read).toBe(value)
    console.log(`[e2e vpn] ledger value visible on node-3 ${Date.now() - started} ms after the PUT on node-1`)
  }, 30_000)

  it('is itself again after kill -9 and a restart with the same command line: pings back within 10 s', async () => {
    const [first, second] = mesh!.hosts
    const peerIdOf = (daemon: LabDaemon): unknown => daemon.logs.find(record => record.message === 'node started')?.peerId
    const before = mesh!.daemons[1] as LabDaemon
    const identity = peerIdOf(before)
    await before.kill()
    const args = ['--address', `${vpnAddress(1)}/24`, '--api', '--api-listen', '127.0.0.1:8080']
    const restarted = mesh!.start(1, args)
    await restarted.waitForLog(record => record.message === 'node started')
    const started = Date.now()
    expect(peerIdOf(restarted)).toBe(identity)
    await pingUntilUp(mesh!.lab, first, vpnAddress(1), 10_000)
    await pingUntilUp(mesh!.lab, second, vpnAddress(0), 10_000)
    console.log(`[e2e vpn] node-2 answers pings ${Date.now() - started} ms after its restart, with the same identity`)
  }, 30_000)
})
