import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { NamespaceFixtures, namespaceUnavailableReason } from './namespace-fixtures.js'
import type { FastReceiveCounters, FastSendCounters } from '@edgevpn/tun'

// The fixture (fixtures/fast-path-fixture.ts) drives a real TUN device `evtf0` (10.77.0.1/24, fd77::1/64, vnetHdr) and
// real TCP sockets on the namespace's loopback; it seals and opens the records itself with node:crypto.
const skipReason = namespaceUnavailableReason()
const fixtures = new NamespaceFixtures('evtf-a', fileURLToPath(new URL('./fixtures/fast-path-fixture.ts', import.meta.url)))

interface Closure {
  reason: string
  brokeFormat: boolean
}

interface Datagram {
  source: string
  destination: string
  destinationPort: number
  payload: string
}

/** Runs a scenario, which must exit cleanly after printing one JSON line, and returns that line. */
async function scenario<Result> (name: string): Promise<Result> {
  const run = await fixtures.run(name)
  expect(run.exitCode, run.stderr).toBe(0)
  expect(run.lines).toHaveLength(1)
  return run.lines[0] as Result
}

describe('the native fast path on a TUN device in a network namespace', () => {
  beforeAll(() => {
    if (skipReason === undefined) {
      fixtures.create()
      // the device's IPv6 address is usable at once (no duplicate address detection wait)
      spawnSync('ip', ['netns', 'exec', 'evtf-a', 'sysctl', '-qw', 'net.ipv6.conf.default.accept_dad=0'])
    }
  })

  afterAll(() => {
    if (skipReason === undefined) fixtures.destroy()
  })

  beforeEach((context) => {
    if (skipReason !== undefined) context.skip(skipReason)
  })

  it('refuses a device without vnetHdr, a second start, use after close and bad channel arguments', async () => {
    const result = await scenario<Record<string, unknown>>('api-errors')
    expect(result).toEqual({
      withoutVnetHdr: 'EINVALIDOPTION',
      startedTwice: 'EINVALIDOPTION',
      shortSenderKey: 'RangeError',
      shortReceiverKey: 'RangeError',
      fiveByteSource: 'RangeError',
      negativeFd: 'TypeError',
      fractionalCount: 'RangeError',
      afterClose: 'ECLOSED',
      // the device's close stopped the loop: nothing can be added to it
      senderAfterClose: 'ESYSCALL',
      closures: []
    })
  })

  it('seals routed packets into AES-256-GCM records on the socket and hands the others to onPackets', async () => {
    const result = await scenario<{ sent: boolean, sealed: Datagram[], sealed6: string[], handedOff: Datagram[], counters: FastSendCounters, closures: Closure[] }>('send-path')
    expect(result.sent).toBe(true)
    // the kernel's datagram, read by the send thread, and the unit JS passed to channel.send
    expect(result.sealed).toEqual(expect.arrayContaining([
      { source: '10.77.0.1', destination: '10.77.0.2', destinationPort: 7000, payload: 'through the fast path' },
      { source: '10.77.0.1', destination: '10.77.0.2', destinationPort: 7000, payload: 'sent by channel.send' }
    ]))
    expect(result.sealed).toHaveLength(2)
    // routed by its 16-byte destination
    expect(result.sealed6).toEqual(['IPv6 through the fast path'])
    expect(result.handedOff).toEqual([{ source: '10.77.0.1', destination: '10.77.0.3', destinationPort: 7000, payload: 'through onPackets' }])
    expect(result.counters.packets).toBeGreaterThanOrEqual(3)
    expect(result.counters).toMatchObject({ queueFullDrops: 0, queueDelayDrops: 0 })
    expect(result.closures).toEqual([])
  })

  it('closes a sender whose peer closed the connection, without blaming the format', async () => {
    const result = await scenario<{ closures: Closure[], sendAfterClose: boolean }>('sender-closure')
    expect(result.closures).toEqual([{ reason: 'the peer closed the fast-channel socket', brokeFormat: false }])
    expect(result.sendAfterClose).toBe(false)
  })

  it('keeps every record within the 256 KiB of plaintext a peer accepts, even with the largest maxWriteBytes', async () => {
    const result = await scenario<{ sent: boolean, units: number, expectedUnits: number, largestPlaintext: number, closures: Closure[] }>('record-limit')
    expect(result.sent).toBe(true)
    expect(result.units).toBe(result.expectedUnits)
    expect(result.largestPlaintext).toBeLessThanOrEqual(256 * 1024)
    expect(result.closures).toEqual([])
  })

  it('writes the ack, delivers units from allowed sources, drops spoofed and malformed ones, and closes on a forged record', async () => {
    const result = await scenario<{ ack: string, delivered: string[], afterFirst: FastReceiveCounters, counters: FastReceiveCounters, closures: Closure[] }>('receive-path')
    // exactly the ack: the receiver writes nothing else
    expect(result.ack).toBe('fast channel ack')
    expect(result.delivered).toEqual(['from the peer', 'after the spoofed one'])
    expect(result.afterFirst).toEqual({ packets: 1, bytes: 41, malformedDrops: 0, spoofedDrops: 0, tunFullDrops: 0 })
    expect(result.counters).toEqual({ packets: 2, bytes: 90, malformedDrops: 1, spoofedDrops: 1, tunFullDrops: 0 })
    // records 0 to 2 opened; record 3 carried a flipped tag bit
    expect(result.closures).toEqual([{ reason: 'record 3 failed authentication', brokeFormat: true }])
  })

  it('delivers whole the units cut across records, inside a packet and inside a length prefix', async () => {
    const result = await scenario<{ delivered: string[], counters: FastReceiveCounters, closures: Closure[] }>('split-units')
    expect(result.delivered).toEqual(['first, whole in record 0', 'second, cut inside its packet', 'third, cut inside its length prefix'])
    expect(result.counters).toMatchObject({ packets: 3, malformedDrops: 0, spoofedDrops: 0 })
    // the peer ended the stream between records: a clean close
    expect(result.closures).toEqual([{ reason: 'the peer closed the fast-channel socket', brokeFormat: false }])
  })

  it('opens first the bytes JS read before the hand-over, though they end inside a record', async () => {
    const result = await scenario<{ delivered: string[], counters: FastReceiveCounters, closures: Closure[] }>('already-read')
    expect(result.delivered).toEqual(['in a record JS had read', 'in a record JS had half read', 'in a record after the ack'])
    expect(result.counters).toMatchObject({ packets: 3, malformedDrops: 0 })
    expect(result.closures).toEqual([])
  })
})
