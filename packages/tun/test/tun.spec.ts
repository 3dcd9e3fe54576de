import { spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { tunUnavailableReason } from '@edgevpn/tun'
import type { ChildProcess } from 'node:child_process'

const NAMESPACE = 'evt-tun-a'
const FIXTURE = fileURLToPath(new URL('./fixtures/tun-fixture.ts', import.meta.url))
const children = new Set<ChildProcess>()

function unavailableReason (): string | undefined {
  if (process.platform !== 'linux') return 'TUN tests need Linux'
  if (process.getuid?.() !== 0) return 'TUN tests need root to create network namespaces'
  if (spawnSync('ip', ['-V']).status !== 0) return 'TUN tests need the ip command (iproute2)'
  return tunUnavailableReason()
}

const skipReason = unavailableReason()

function ip (...args: string[]): string {
  const result = spawnSync('ip', args, { encoding: 'utf8' })
  if (result.status !== 0) throw new Error(`ip ${args.join(' ')} failed: ${result.stderr.trim()}`)
  return result.stdout
}

function inNamespace (...args: string[]): string {
  return ip('netns', 'exec', NAMESPACE, 'ip', ...args)
}

interface FixtureRun {
  /** The fixture's JSON lines, in order. */
  lines: unknown[]
  exitCode: number | null
  stderr: string
}

/**
 * Runs a fixture scenario with the built package inside the namespace. `onLine` sees each JSON line as it
 * arrives (e.g. to inspect the device while the fixture holds it open). The process must exit by itself.
 */
async function runFixture (scenario: string, onLine?: (line: unknown, child: ChildProcess) => void): Promise<FixtureRun> {
  const child = spawn('ip', ['netns', 'exec', NAMESPACE, process.execPath, FIXTURE, scenario], { stdio: ['pipe', 'pipe', 'pipe'] })
  children.add(child)
  let stderr = ''
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
  const lines: unknown[] = []
  const exited = once(child, 'exit') as Promise<[number | null]>
  for await (const text of createInterface({ input: child.stdout! })) {
    const line: unknown = JSON.parse(text)
    lines.push(line)
    onLine?.(line, child)
  }
  const [exitCode] = await exited
  children.delete(child)
  return { lines, exitCode, stderr }
}

describe('TUN devices in a network namespace', () => {
  beforeAll(() => {
    if (skipReason !== undefined) return
    spawnSync('ip', ['netns', 'del', NAMESPACE])
    ip('netns', 'add', NAMESPACE)
  })

  afterAll(() => {
    for (const child of children) child.kill('SIGKILL')
    if (skipReason === undefined) spawnSync('ip', ['netns', 'del', NAMESPACE])
  })

  beforeEach((context) => {
    if (skipReason !== undefined) context.skip(skipReason)
  })

  it('creates the interface with its IPv4 and IPv6 addresses, MTU, txqueuelen and link up, and removes it on close', async () => {
    let seen: unknown
    const run = await runFixture('configure', (_line, child) => {
      seen = JSON.parse(inNamespace('-j', 'addr', 'show', 'dev', 'evta0'))
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
    expect(inNamespace('-j', 'link', 'show')).not.toContain('evta0')
  })

  it('reads a burst of datagrams in batches from one reused buffer', async () => {
    const run = await runFixture('batch-read')
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
    const run = await runFixture('batch-read-copy')
    expect(run.exitCode, run.stderr).toBe(0)
    const [result] = run.lines as Array<{ batches: number, distinctBuffers: number, datagrams: number, wellFormed: boolean, keptIntact: boolean }>
    expect(result.datagrams).toBe(200)
    expect(result.wellFormed).toBe(true)
    expect(result.keptIntact).toBe(true)
    expect(result.distinctBuffers).toBe(result.batches)
  })

  it('writes a batch and a single packet that a UDP socket receives', async () => {
    const run = await runFixture('write-batch')
    expect(run.exitCode, run.stderr).toBe(0)
    const [result] = run.lines as Array<{ written: number, single: boolean, received: string[], outOfBounds: string, stats: { packetsWritten: number, writeDrops: number } }>
    expect(result.written).toBe(50)
    expect(result.single).toBe(true)
    expect(result.received).toEqual([...Array.from({ length: 50 }, (_, i) => `batch ${i}`), 'single'])
    expect(result.outOfBounds).toBe('RangeError')
    expect(result.stats).toMatchObject({ packetsWritten: 51, writeDrops: 0 })
  })

  it('reports a busy name, bad names, addresses and options, and use after close as TunErrors', async () => {
    const run = await runFixture('errors')
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
    const run = await runFixture('throwing-handler')
    expect(run.exitCode, run.stderr).toBe(0)
    expect(run.lines).toEqual([{ uncaught: ['boom from the packet handler'], tickRan: true }])
  })

  it('releases the device of a worker that is terminated while reading', async () => {
    const run = await runFixture('worker-teardown')
    expect(run.exitCode, run.stderr).toBe(0)
    expect(run.lines).toEqual([{ ready: 'evtw0', presentWhileReading: true, goneAfterTerminate: true }])
  })
})
