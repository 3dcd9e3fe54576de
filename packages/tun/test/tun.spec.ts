import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { NamespaceFixtures, namespaceUnavailableReason } from './namespace-fixtures.js'

const skipReason = namespaceUnavailableReason()
const fixtures = new NamespaceFixtures('evt-tun-a', fileURLToPath(new URL('./fixtures/tun-fixture.ts', import.meta.url)))

describe('TUN devices in a network namespace', () => {
  beforeAll(() => {
    if (skipReason === undefined) fixtures.create()
  })

  afterAll(() => {
    if (skipReason === undefined) fixtures.destroy()
  })

  beforeEach((context) => {
    if (skipReason !== undefined) context.skip(skipReason)
  })

  it('creates the interface with its IPv4 and IPv6 addresses, MTU, txqueuelen and link up, and removes it on close', async () => {
    let seen: unknown
    const run = await fixtures.run('configure', (_line, child) => {
      seen = JSON.parse(fixtures.ip('-j', 'addr', 'show', 'dev', 'evta0'))
      child.stdin?.end()
    })
    expect(run.exitCode, run.stderr).toBe(0)
    expect(run.lines).toEqual([{ name: 'evta0', mtu: 1400 }])
    const [link] = seen as Array<{ flags: string[], mtu: number, txqlen: number, addr_info: Array<{ family: string, local: string, prefixlen: number }> }>
    expect(link.flags).toContain('UP')
    expect(link.mtu).toBe(1400)
    expect(link.txqlen).toBe(2000)
    expect(link.addr_info).toEqual(expect.arrayContaining([
      expect.objectContaining({ family: 'inet', local: '10.251.0.1', prefixlen: 24 }),
      expect.objectContaining({ family: 'inet6', local: 'fd00:251::1', prefixlen: 64 })
    ]))
    expect(fixtures.ip('-j', 'link', 'show')).not.toContain('evta0')
  })

  it('reads a burst of datagrams in batches from one reused buffer', async () => {
    const run = await fixtures.run('batch-read')
    expect(run.exitCode, run.stderr).toBe(0)
    const [result] = run.lines as Array<{ batches: number, largestBatch: number, distinctBuffers: number, datagrams: number, wellFormed: boolean, stats: { packetsRead: number } }>
    expect(result.datagrams).toBe(200)
    expect(result.wellFormed).toBe(true)
    expect(result.batches).toBeLessThan(200)
    expect(result.largestBatch).toBeGreaterThan(1)
    expect(result.largestBatch).toBeLessThanOrEqual(64)
    expect(result.distinctBuffers).toBe(1)
    expect(result.stats.packetsRead).toBeGreaterThanOrEqual(200)
  })

  it('with copy, gives every batch its own buffer so packets can be kept', async () => {
    const run = await fixtures.run('batch-read-copy')
    expect(run.exitCode, run.stderr).toBe(0)
    const [result] = run.lines as Array<{ batches: number, distinctBuffers: number, datagrams: number, wellFormed: boolean, keptIntact: boolean }>
    expect(result.datagrams).toBe(200)
    expect(result.wellFormed).toBe(true)
    expect(result.keptIntact).toBe(true)
    expect(result.distinctBuffers).toBe(result.batches)
  })

  it('writes a batch and a single packet that a UDP socket receives', async () => {
    const run = await fixtures.run('write-batch')
    expect(run.exitCode, run.stderr).toBe(0)
    const [result] = run.lines as Array<{ written: number, single: boolean, received: string[], outOfBounds: string, stats: { packetsWritten: number, writeDrops: number } }>
    expect(result.written).toBe(50)
    expect(result.single).toBe(true)
    expect(result.received).toEqual([...Array.from({ length: 50 }, (_, i) => `batch ${i}`), 'single'])
    expect(result.outOfBounds).toBe('RangeError')
    expect(result.stats).toMatchObject({ packetsWritten: 51, writeDrops: 0 })
  })

  it('reports a busy name, bad names, addresses and options, and use after close as TunErrors', async () => {
    const run = await fixtures.run('errors')
    expect(run.exitCode, run.stderr).toBe(0)
    const [result] = run.lines as Array<Record<string, unknown>>
    expect(result).toEqual({
      busy: 'EBUSY',
      busyMessage: 'TunError: interface evtd0 is in use: another descriptor is attached to this single-queue TUN device',
      multiQueue: ['evtm0', 'evtm0'],
      tooLong: 'EINVALIDNAME',
      slash: 'EINVALIDNAME',
      badAddress: 'EINVALIDADDRESS',
      badPrefix: 'EINVALIDADDRESS',
      missingPrefix: 'EINVALIDADDRESS',
      ipv6AsIpv4: 'EINVALIDADDRESS',
      ipv6SmallMtu: 'EINVALIDOPTION',
      badMtu: 'EINVALIDOPTION',
      createdByRejected: [],
      closed: true,
      writeAfterClose: 'ECLOSED',
      gone: true
    })
  })

  it('surfaces a throwing packet handler as an uncaught exception and exits by itself after close', async () => {
    const run = await fixtures.run('throwing-handler')
    expect(run.exitCode, run.stderr).toBe(0)
    expect(run.lines).toEqual([{ uncaught: ['boom from the packet handler'], tickRan: true }])
  })

  it('releases the device of a worker that is terminated while reading', async () => {
    const run = await fixtures.run('worker-teardown')
    expect(run.exitCode, run.stderr).toBe(0)
    expect(run.lines).toEqual([{ ready: 'evtw0', presentWhileReading: true, goneAfterTerminate: true }])
  })
})
