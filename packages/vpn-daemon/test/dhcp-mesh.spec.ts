/**
 * DHCP across real nodes: separate OS processes (fixtures/dhcp-node.ts on the built packages; run
 * `npx tsc -b` first), each a libp2p host on loopback with a ledger in enforce mode synced over
 * gossip, the alive service and DHCP with short timings. Durations are logged, not asserted.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { dhcpLeaseFileName, encodeToken, generateNetworkConfig } from '@edgevpn/mesh-core'
import { Ipv4Subnet } from '../src/dhcp/index.js'
import { DhcpProcess, randomSeed } from './fixtures/dhcp-process.js'
import type { DhcpNodeConfig } from './fixtures/dhcp-node.js'

const nodes: DhcpProcess[] = []
/**
 * Five processes starting at once on a busy 2-core machine (the suite runs beside the soak) can
 * take most of a minute to settle their claims; how long it took is logged, not asserted.
 */
const ADDRESS_TIMEOUT_MS = 110_000
const MESH_TEST_TIMEOUT_MS = 150_000
let dir: string

beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'evt-dhcp-mesh-')) })

afterEach(async () => {
  await Promise.all(nodes.splice(0).map(async node => { await node.stop() }))
  await rm(dir, { recursive: true, force: true })
})

function nodeConfig (token: string, overrides: Partial<DhcpNodeConfig> = {}): DhcpNodeConfig {
  return {
    token,
    keySeed: randomSeed(),
    leaseDir: join(dir, `leases-${nodes.length}-${Math.random().toString(36).slice(2)}`),
    allocateOnStart: false,
    dhcp: { pollIntervalMs: 250, loneWaitMs: 1_500, settleMs: 1_500 },
    heartbeatMs: 1_000,
    syncIntervalMs: 1_000,
    ...overrides
  }
}

async function start (name: string, config: DhcpNodeConfig): Promise<DhcpProcess> {
  const node = new DhcpProcess(name, config)
  nodes.push(node)
  await node.ready()
  return node
}

/** Starts all nodes at once, then connects each to every earlier one. */
async function startMesh (count: number, token: string, overrides: Partial<DhcpNodeConfig> = {}): Promise<DhcpProcess[]> {
  const mesh = await Promise.all(Array.from({ length: count }, async (_, i) => start(`n${i + 1}`, nodeConfig(token, overrides))))
  for (let i = 1; i < mesh.length; i++) await mesh[i].dial(mesh.slice(0, i))
  return mesh
}

/** Waits until every node's machines bucket maps exactly `expected` (address → peer ID). */
async function machinesConverge (mesh: DhcpProcess[], expected: Record<string, string>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const views = await Promise.all(mesh.map(async node => (await node.dump()).machines))
    if (views.every(view => JSON.stringify(sorted(view)) === JSON.stringify(sorted(expected)))) return
    if (Date.now() > deadline) expect(views).toEqual(mesh.map(() => expected))
    await new Promise(resolve => setTimeout(resolve, 250))
  }
}

function sorted (record: Record<string, string>): Array<[string, string]> {
  return Object.entries(record).sort(([a], [b]) => a.localeCompare(b))
}

/** Every node reports an address; they are distinct host addresses of 10.1.0.0/24 and all nodes agree. */
async function expectUniqueAddresses (mesh: DhcpProcess[], startedAt: number, label: string): Promise<string[]> {
  const results = await Promise.all(mesh.map(async node => node.address(ADDRESS_TIMEOUT_MS)))
  const addresses = results.map(r => r.address)
  const lost = mesh.reduce((sum, node) => sum + node.logsWith('claimed first by another node').length + node.logsWith('taken by another node').length, 0)
  console.log(`${label}: ${addresses.join(', ')}; slowest after ${Math.max(...results.map(r => r.t)) - startedAt} ms; ${lost} lost claim(s)`)
  expect(new Set(addresses).size).toBe(mesh.length)
  const subnet = new Ipv4Subnet('10.1.0.1', 24)
  for (const address of addresses) expect(subnet.isHostText(address), address).toBe(true)
  await machinesConverge(mesh, Object.fromEntries(mesh.map((node, i) => [addresses[i], node.peerId])))
  return addresses
}

describe('DHCP over the ledger between processes', () => {
  for (const round of [1, 2]) {
    it(`gives 5 nodes that start at the same moment distinct addresses (round ${round})`, async () => {
      const token = encodeToken(generateNetworkConfig())
      // DHCP runs from process start, while the mesh is still being connected
      const startedAt = Date.now()
      const mesh = await startMesh(5, token, { allocateOnStart: true })
      await expectUniqueAddresses(mesh, startedAt, `round ${round}, allocating from start`)
    }, MESH_TEST_TIMEOUT_MS)
  }

  it('gives 5 nodes of a connected mesh distinct addresses when they all ask at once, through the leader protocol', async () => {
    const mesh = await startMesh(5, encodeToken(generateNetworkConfig()))
    // let every heartbeat reach every node, so that all of them take part in the election
    await new Promise(resolve => setTimeout(resolve, 2_000))
    const startedAt = Date.now()
    for (const node of mesh) node.allocate()
    const addresses = await expectUniqueAddresses(mesh, startedAt, 'connected mesh')
    // Go's NextIP hands out addresses in sequence from the base
    expect(addresses.every(a => /^10\.1\.0\.([1-9]|1\d)$/.test(a))).toBe(true)
    const { leader } = await mesh[0].dump()
    expect(mesh.map(n => n.peerId)).toContain(leader)
  }, MESH_TEST_TIMEOUT_MS)

  it('resolves 5 nodes claiming the same address at the same moment by the claim check alone', async () => {
    // no waiting for the leader role: every node picks NextIP (10.1.0.1) at once and claims it
    const mesh = await startMesh(5, encodeToken(generateNetworkConfig()), {
      dhcp: { pollIntervalMs: 250, loneWaitMs: 0, leaderWaitMs: 0, settleMs: 1_500 }
    })
    await new Promise(resolve => setTimeout(resolve, 2_000))
    // one start time for all five processes: commands sent one after another reach a loaded
    // machine's processes far enough apart that a late node already sees the others' claims
    const startedAt = Date.now() + 500
    for (const node of mesh) node.allocate(startedAt)
    await expectUniqueAddresses(mesh, startedAt, 'colliding claims')
    const firstClaims = mesh.map(node => node.logsWith('claiming a DHCP address')[0] ?? '')
    const colliding = firstClaims.filter(line => line.includes('"10.1.0.1"')).length
    const lost = mesh.map(node => node.logsWith('claimed first by another node').length)
    expect(colliding).toBeGreaterThanOrEqual(2)
    // of the nodes that claimed 10.1.0.1 together, all but one found the other claims and lost
    expect(lost.reduce((a, b) => a + b)).toBeGreaterThanOrEqual(colliding - 1)
  }, MESH_TEST_TIMEOUT_MS)

  it('gives a node joining a mesh where .1-.3 are taken a free address', async () => {
    const token = encodeToken(generateNetworkConfig())
    const statics = await Promise.all(['10.1.0.1', '10.1.0.2', '10.1.0.3'].map(async (address, i) =>
      start(`static${i + 1}`, nodeConfig(token, { staticAddress: address }))))
    for (let i = 1; i < statics.length; i++) await statics[i].dial(statics.slice(0, i))
    const joiner = await start('joiner', nodeConfig(token))
    await joiner.dial(statics)
    joiner.allocate()
    const { address } = await joiner.address(30_000)
    expect(address).toBe('10.1.0.4')
    await machinesConverge([...statics, joiner], {
      '10.1.0.1': statics[0].peerId, '10.1.0.2': statics[1].peerId, '10.1.0.3': statics[2].peerId, '10.1.0.4': joiner.peerId
    })
  })

  it('gives a lone node an address within a few seconds', async () => {
    const startedAt = Date.now()
    const lone = await start('lone', nodeConfig(encodeToken(generateNetworkConfig()), { allocateOnStart: true }))
    const { address, t } = await lone.address(15_000)
    console.log(`lone node: ${address} ${t - startedAt} ms after its start`)
    expect(address).toBe('10.1.0.1')
  })

  it('gives a node restarted with the same lease directory the same address at once', async () => {
    const network = generateNetworkConfig()
    const token = encodeToken(network)
    const [a, b] = await startMesh(2, token)
    a.allocate()
    b.allocate()
    const first = await a.address(30_000)
    await b.address(30_000)
    const leaseFile = join(a.config.leaseDir, dhcpLeaseFileName(network))
    expect(await readFile(leaseFile, 'utf8')).toBe(first.address)

    await a.stop()
    // an hour between looks at the ledger: only the lease can answer in time
    const again = await start('a-again', { ...a.config, allocateOnStart: true, dhcp: { ...a.config.dhcp, pollIntervalMs: 3_600_000 } })
    await again.dial([b])
    const second = await again.address(10_000)
    expect(second.address).toBe(first.address)
    expect(again.peerId).toBe(a.peerId)
    await machinesConverge([again, b], { [first.address]: a.peerId, [(await b.address(1_000)).address]: b.peerId })
  })
})
