/**
 * The lease file, and allocation on a single node with a real ledger and alive service (no
 * network needed: a lone node has nobody to talk to).
 */
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { AliveService, Ledger } from '@edgevpn/ledger'
import { createLogger } from '@edgevpn/mesh-core'
import { CLAIMS_BUCKET, Ipv4Subnet, allocateAddress, readLease, writeLease } from '../src/dhcp/index.js'
import { machineValue } from '@edgevpn/vpn'
import type { DhcpInit } from '../src/dhcp/index.js'
import type { Logger } from '@edgevpn/mesh-core'

const LEASE_NAME = 'c0ffee00c0ffee00c0ffee00c0ffee00'
const FAST: Partial<DhcpInit> = { pollIntervalMs: 100, loneWaitMs: 300, settleMs: 300 }

let dir: string
let logLines: string[]
let logger: Logger
const stops: Array<() => Promise<void>> = []

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'evt-dhcp-'))
  logLines = []
  logger = createLogger({ level: 'debug', write: line => { logLines.push(line) } })
})

afterEach(async () => {
  for (const stop of stops.splice(0)) await stop()
  await rm(dir, { recursive: true, force: true })
})

/** A node's ledger in enforce mode with its alive service running (heartbeat at once). */
async function startNode (): Promise<{ ledger: Ledger, peerId: string }> {
  const key = await generateKeyPair('Ed25519')
  const ledger = new Ledger({ mode: 'enforce', signer: key, warn: message => { logger.warn(message) } })
  const peerId = ledger.ownerId!
  const alive = new AliveService({ ledger, peerId }, { heartbeatIntervalMs: 1_000, logger })
  alive.start()
  stops.push(async () => { await alive.stop() })
  return { ledger, peerId }
}

function warnings (): string[] {
  return logLines.map(line => JSON.parse(line) as { level: string, message: string }).filter(r => r.level === 'WARN').map(r => r.message)
}

describe('lease file', () => {
  it('is written as the bare address, mode 0600, in a directory created 0700', async () => {
    const leaseDir = join(dir, 'nested', 'leases')
    const path = join(leaseDir, LEASE_NAME)
    await writeLease(path, '10.1.0.7')
    expect(await readFile(path, 'utf8')).toBe('10.1.0.7')
    expect((await stat(path)).mode & 0o777).toBe(0o600)
    expect((await stat(leaseDir)).mode & 0o777).toBe(0o700)
    await writeLease(path, '10.1.0.8')
    expect(await readFile(path, 'utf8')).toBe('10.1.0.8')
  })

  it('is read verbatim, and ignored with a warning unless it is a host address of the subnet', async () => {
    const subnet = new Ipv4Subnet('10.1.0.1', 24)
    const path = join(dir, LEASE_NAME)
    expect(await readLease(path, subnet, logger)).toBeUndefined()
    expect(warnings()).toEqual([])

    await writeFile(path, '10.1.0.9')
    expect(await readLease(path, subnet, logger)).toBe('10.1.0.9')
    // Go would configure "10.1.0.9\n/24" (errata A16); we refuse to trim or guess
    for (const bad of ['10.1.0.9\n', ' 10.1.0.9', '<nil>', '10.1.1.9', '10.1.0.255', '10.1.0.0', 'fd00::1', '']) {
      await writeFile(path, bad)
      expect(await readLease(path, subnet, logger), JSON.stringify(bad)).toBeUndefined()
    }
    expect(warnings()).toHaveLength(8)
    expect(logLines.at(-1)).toContain('10.1.0.0/24')
  })

  it('gives the leased address at once and re-claims it in the machines bucket', async () => {
    const { ledger, peerId } = await startNode()
    await writeLease(join(dir, LEASE_NAME), '10.1.0.42')
    // a poll interval of an hour: the lease must not wait for the allocation loop
    const address = await allocateAddress({ ledger, peerId, logger }, { leaseFileName: LEASE_NAME, leaseDir: dir, pollIntervalMs: 3_600_000 })
    expect(address).toBe('10.1.0.42')
    expect(ledger.get('machines', '10.1.0.42')).toMatchObject({ PeerID: peerId, Address: '10.1.0.42' })
  })
})

describe('allocation on a lone node', () => {
  it('takes the base address without waiting for a second node, and writes the lease', async () => {
    const { ledger, peerId } = await startNode()
    const started = Date.now()
    const address = await allocateAddress({ ledger, peerId, logger }, { leaseFileName: LEASE_NAME, leaseDir: dir, ...FAST })
    console.log(`lone node got ${address} after ${Date.now() - started} ms`)
    expect(address).toBe('10.1.0.1')
    expect(await readFile(join(dir, LEASE_NAME), 'utf8')).toBe('10.1.0.1')
    expect(ledger.get('machines', '10.1.0.1')).toMatchObject({ PeerID: peerId })
    // the pending claim is withdrawn once the machines entry stands
    expect(ledger.getRaw(CLAIMS_BUCKET, peerId)).toBeUndefined()
    expect(ledger.getEntry(CLAIMS_BUCKET, peerId)?.deleted).toBe(true)
  })

  it('ignores a bad lease file and replaces it', async () => {
    const { ledger, peerId } = await startNode()
    await writeFile(join(dir, LEASE_NAME), '10.1.0.5\n')
    const address = await allocateAddress({ ledger, peerId, logger }, { leaseFileName: LEASE_NAME, leaseDir: dir, ...FAST })
    expect(address).toBe('10.1.0.1')
    expect(await readFile(join(dir, LEASE_NAME), 'utf8')).toBe('10.1.0.1')
    expect(warnings().some(w => w.includes('ignoring a DHCP lease'))).toBe(true)
  })

  it('uses other prefixes, never the network address, and skips addresses held by others', async () => {
    const { ledger, peerId } = await startNode()
    // another peer's machines entry for the first host, merged as if gossiped
    const other = new Ledger({ mode: 'enforce', signer: await generateKeyPair('Ed25519') })
    await other.put('machines', '192.168.7.17', machineValue({ peerId: other.ownerId!, hostname: 'h', os: 'linux', arch: 'amd64', address: '192.168.7.17', version: '' }))
    await ledger.merge(other.lastBlock())
    const address = await allocateAddress({ ledger, peerId, logger }, {
      leaseFileName: LEASE_NAME, leaseDir: dir, baseAddress: '192.168.7.16', prefixLength: 28, ...FAST
    })
    expect(address).toBe('192.168.7.18')
  })

  it('re-uses the address the ledger already lists for this peer (restart without lease file)', async () => {
    const { ledger, peerId } = await startNode()
    await ledger.put('machines', '10.1.0.23', machineValue({ peerId, hostname: 'h', os: 'linux', arch: 'amd64', address: '10.1.0.23', version: '' }))
    const address = await allocateAddress({ ledger, peerId, logger }, { leaseFileName: LEASE_NAME, leaseDir: dir, ...FAST })
    expect(address).toBe('10.1.0.23')
    expect(await readFile(join(dir, LEASE_NAME), 'utf8')).toBe('10.1.0.23')
  })

  it('stops on abort and withdraws its pending claim', async () => {
    const { ledger, peerId } = await startNode()
    const controller = new AbortController()
    const allocation = allocateAddress({ ledger, peerId, logger }, {
      leaseFileName: LEASE_NAME, leaseDir: dir, ...FAST, settleMs: 60_000, signal: controller.signal
    })
    const claimed = new Promise<void>(resolve => { ledger.watch({ bucket: CLAIMS_BUCKET }, () => { resolve() }) })
    await claimed
    expect(ledger.get(CLAIMS_BUCKET, peerId)).toMatchObject({ Address: '10.1.0.1' })
    controller.abort()
    await expect(allocation).rejects.toThrow(/abort/i)
    expect(ledger.getRaw(CLAIMS_BUCKET, peerId)).toBeUndefined()
    await expect(stat(join(dir, LEASE_NAME))).rejects.toThrow(/ENOENT/)
  })

  it('rejects bad options with a DhcpConfigError', async () => {
    const { ledger, peerId } = await startNode()
    await expect(allocateAddress({ ledger, peerId, logger }, { leaseFileName: LEASE_NAME, leaseDir: dir, baseAddress: 'fd00::1' })).rejects.toThrow(/IPv4 only/)
    await expect(allocateAddress({ ledger, peerId, logger }, { leaseFileName: '../x', leaseDir: dir })).rejects.toThrow(/plain file name/)
  })
})
