/**
 * `--dhcp` with real `edgevpn` daemons: three nodes started together get distinct addresses of
 * 10.1.0.0/24 over the ledger and reach each other; a node restarted with the same lease and
 * identity directories comes back with the same address.
 *
 * Spawned daemons run the BUILT packages: `npx tsc -b` first.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TestMesh, e2eUnavailableReason, formatRtts } from './lib/test-mesh.js'

const skipReason = e2eUnavailableReason()
/** Seconds between ledger re-broadcasts; the DHCP settle time is twice it (20 s by default). */
const SYNC_INTERVAL = '2'

describe.skipIf(skipReason !== undefined)(`edgevpn --dhcp${skipReason === undefined ? '' : ` (skipped: ${skipReason})`}`, () => {
  let mesh: TestMesh | undefined
  let stateDir = ''
  let addresses: string[] = []
  const peerIds: string[] = []

  /** Starts the DHCP daemon of host `index` and waits for the address it settles on. */
  async function startDhcp (index: number, awaited: string): Promise<string> {
    const dir = join(stateDir, `node-${index + 1}`)
    const daemon = mesh!.start(index, ['--dhcp', '--lease-dir', dir, '--privkey-cache', '--privkey-cache-dir', dir,
      '--ledger-synchronization-interval', SYNC_INTERVAL])
    peerIds[index] = String((await daemon.waitForLog(line => line.message === 'node started')).peerId)
    const record = await daemon.waitForLog(line => line.message === awaited, 90_000)
    await daemon.waitForLog(line => line.message === 'VPN started')
    return String(record.address)
  }

  /** The IPv4 address of `edgevpn0` in a host, as the kernel has it. */
  async function interfaceAddress (index: number): Promise<string> {
    const out = await mesh!.lab.exec(mesh!.hosts[index], 'ip', ['-br', '-4', 'addr', 'show', 'edgevpn0'])
    return out.trim().split(/\s+/)[2] ?? ''
  }

  beforeAll(async () => {
    stateDir = mkdtempSync(join(tmpdir(), 'evt-e2e-dhcp-'))
    mesh = await TestMesh.create({ prefix: 'evtdhcp', hosts: 3, subnet: '10.254.82' })
  })

  afterAll(async () => {
    await mesh?.destroy()
    rmSync(stateDir, { recursive: true, force: true })
  })

  it('gives every node its own address, and they ping each other', async () => {
    const started = Date.now()
    addresses = await Promise.all(mesh!.hosts.map(async (_, i) => await startDhcp(i, 'DHCP address allocated')))
    console.log(`[e2e dhcp] addresses ${addresses.join(', ')} allocated ${((Date.now() - started) / 1000).toFixed(1)} s after start`)
    expect(new Set(addresses).size).toBe(3)
    for (const [i, address] of addresses.entries()) {
      expect(address).toMatch(/^10\.1\.0\.\d+$/)
      expect(await interfaceAddress(i)).toBe(`${address}/24`)
    }
    const rtts = await mesh!.pingAllPairs(addresses, 30_000)
    console.log(`[e2e dhcp] round trips: ${formatRtts(rtts)}`)
  }, 120_000)

  it('gives a restarted node its identity and the address of its lease', async () => {
    expect(addresses).toHaveLength(3)
    const identity = peerIds[1]
    await mesh!.daemons[1]!.stop()
    const started = Date.now()
    const again = await startDhcp(1, 'using the address of the DHCP lease')
    expect(peerIds[1]).toBe(identity)
    expect(again).toBe(addresses[1])
    expect(await interfaceAddress(1)).toBe(`${again}/24`)
    const rtts = await mesh!.pingAllPairs(addresses, 30_000)
    console.log(`[e2e dhcp] node-2 back on ${again}, every pair pings ${((Date.now() - started) / 1000).toFixed(1)} s after its restart: ${formatRtts(rtts)}`)
  }, 60_000)
})
