import { describe, expect, it } from 'vitest'
import { SendQueue } from '../src/send-queue.js'
import { isInteractivePacket, isInteractiveUnit, MAX_INTERACTIVE_UDP_BYTES } from '../src/traffic-class.js'
import { VNET_GSO_NONE, VNET_GSO_TCPV4 } from '../src/vnet-header.js'
import { ipv4Udp, ipv6Udp } from './fixtures/ip-packets.js'
import type { SendQueueInit } from '../src/send-queue.js'

const ICMP = 1
const TCP = 6
const SYN = 0x02
const ACK = 0x10
const PSH = 0x08

/** An IPv4 packet of `protocol` with `payloadBytes` bytes after a minimal L4 header. */
function ipv4 (protocol: number, payloadBytes: number, tcpFlags = ACK): Uint8Array {
  const l4Header = protocol === TCP ? 20 : 8
  const packet = new Uint8Array(20 + l4Header + payloadBytes)
  packet[0] = 0x45
  new DataView(packet.buffer).setUint16(2, packet.length)
  packet[9] = protocol
  if (protocol === TCP) {
    packet[20 + 12] = 5 << 4
    packet[20 + 13] = tcpFlags
  }
  return packet
}

function ipv6Tcp (payloadBytes: number, tcpFlags: number): Uint8Array {
  const packet = new Uint8Array(40 + 20 + payloadBytes)
  packet[0] = 0x60
  packet[6] = TCP
  packet[40 + 12] = 5 << 4
  packet[40 + 13] = tcpFlags
  return packet
}

/** The packet behind a 10-byte virtio header of `gsoType`. */
function unit (packet: Uint8Array, gsoType = VNET_GSO_NONE): Uint8Array {
  const bytes = new Uint8Array(10 + packet.length)
  bytes[1] = gsoType
  bytes.set(packet, 10)
  return bytes
}

describe('traffic classes', () => {
  it('counts pings, handshakes, bare ACKs and small UDP as interactive', () => {
    for (const packet of [
      ipv4(ICMP, 56),
      ipv4(TCP, 0, ACK),
      ipv4(TCP, 0, SYN),
      ipv4(TCP, 0, SYN | ACK),
      ipv6Tcp(0, ACK),
      ipv4Udp('10.1.0.1', '10.1.0.2', 53, new Uint8Array(40)),
      ipv6Udp(new Uint8Array(16), new Uint8Array(16), 53, new Uint8Array(40))
    ]) {
      expect(isInteractivePacket(packet, 0, packet.length)).toBe(true)
    }
  })

  it('counts TCP data, large UDP and unknown or truncated packets as bulk', () => {
    const largeUdp = ipv4Udp('10.1.0.1', '10.1.0.2', 5000, new Uint8Array(MAX_INTERACTIVE_UDP_BYTES))
    for (const packet of [
      ipv4(TCP, 1, ACK | PSH),
      ipv4(TCP, 1400, ACK),
      ipv6Tcp(1, ACK),
      largeUdp,
      ipv4(47, 0),
      ipv4(TCP, 0).subarray(0, 30),
      new Uint8Array([0x10, 0, 0, 0])
    ]) {
      expect(isInteractivePacket(packet, 0, packet.length)).toBe(false)
    }
    expect(isInteractivePacket(new Uint8Array(0), 0, 0)).toBe(false)
  })

  it('reads offload units behind their virtio header; GSO super-packets are bulk', () => {
    const ack = unit(ipv4(TCP, 0))
    expect(isInteractiveUnit(ack, 0, ack.length, 10)).toBe(true)
    const padded = new Uint8Array(ack.length + 5)
    padded.set(ack, 5)
    expect(isInteractiveUnit(padded, 5, ack.length, 10)).toBe(true)
    const segment = unit(ipv4(TCP, 0), VNET_GSO_TCPV4)
    expect(isInteractiveUnit(segment, 0, segment.length, 10)).toBe(false)
    expect(isInteractiveUnit(ack, 0, 10, 10)).toBe(false)
    const plain = ipv4(ICMP, 8)
    expect(isInteractiveUnit(plain, 0, plain.length, 0)).toBe(true)
  })
})

/** A queue on a clock the test moves, recording what CoDel drops. */
function queueOnClock (init: SendQueueInit = {}): { queue: SendQueue, clock: { now: number }, dropped: Uint8Array[] } {
  const clock = { now: 1000 }
  const dropped: Uint8Array[] = []
  const queue = new SendQueue({ now: () => clock.now, onDelayDrop: unit => { dropped.push(unit) } }, init)
  return { queue, clock, dropped }
}

/** A distinguishable bulk unit. */
function bulk (id: number, bytes = 2000): Uint8Array {
  return new Uint8Array(bytes).fill(id)
}

describe('SendQueue', () => {
  it('sends interactive units before bulk ones, each lane in order', () => {
    const { queue } = queueOnClock()
    queue.enqueue(bulk(1), false)
    queue.enqueue(bulk(2), false)
    queue.enqueue(Uint8Array.of(10), true)
    queue.enqueue(Uint8Array.of(11), true)
    expect(queue.length).toBe(4)
    expect(queue.bytes).toBe(4002)
    const order = []
    for (let next = queue.dequeue(); next !== undefined; next = queue.dequeue()) order.push(next[0])
    expect(order).toEqual([10, 11, 1, 2])
    expect(queue.length).toBe(0)
  })

  it('refuses units beyond each lane\'s byte limit', () => {
    const { queue } = queueOnClock({ maxBulkBytes: 4000, maxInteractiveBytes: 100 })
    expect(queue.enqueue(bulk(1), false)).toBe(true)
    expect(queue.enqueue(bulk(2), false)).toBe(true)
    expect(queue.enqueue(bulk(3), false)).toBe(false)
    expect(queue.enqueue(new Uint8Array(100), true)).toBe(true)
    expect(queue.enqueue(new Uint8Array(1), true)).toBe(false)
    expect(queue.length).toBe(3)
  })

  it('drops nothing while bulk units wait less than the target', () => {
    const { queue, clock, dropped } = queueOnClock({ target: 5, interval: 100 })
    for (let i = 0; i < 100; i++) {
      queue.enqueue(bulk(i), false)
      queue.enqueue(bulk(i), false)
      clock.now += 4
      expect(queue.dequeue()).toBeDefined()
      expect(queue.dequeue()).toBeDefined()
    }
    expect(dropped).toEqual([])
  })

  it('tolerates a delay above the target for one interval, then drops at the head', () => {
    const { queue, clock, dropped } = queueOnClock({ target: 5, interval: 100 })
    for (let i = 0; i < 50; i++) queue.enqueue(bulk(i), false)
    clock.now += 10
    // first unit above target: the interval starts
    expect(queue.dequeue()?.[0]).toBe(0)
    clock.now += 99
    expect(queue.dequeue()?.[0]).toBe(1)
    expect(dropped).toEqual([])
    clock.now += 1
    // the interval has passed with the delay still above target: unit 2 is dropped, 3 is sent
    expect(queue.dequeue()?.[0]).toBe(3)
    expect(dropped.map(unit => unit[0])).toEqual([2])
  })

  it('drops ever more often while the delay persists, and stops once it is gone', () => {
    const { queue, clock, dropped } = queueOnClock({ target: 5, interval: 100, maxBulkBytes: 100_000_000 })
    const dropTimes: number[] = []
    let droppedBefore = 0
    // units arrive twice as fast as they leave: the delay keeps growing
    for (let t = 0; t < 2000; t++) {
      clock.now += 1
      queue.enqueue(bulk(t % 256), false)
      queue.enqueue(bulk(t % 256), false)
      queue.dequeue()
      if (dropped.length > droppedBefore) dropTimes.push(clock.now)
      droppedBefore = dropped.length
    }
    expect(dropTimes.length).toBeGreaterThan(10)
    // the control law: the n-th drop follows the previous one after interval / sqrt(n)
    const gaps = dropTimes.slice(1).map((time, i) => time - dropTimes[i])
    expect(gaps[0]).toBe(100)
    expect(gaps[1]).toBe(71)
    expect(gaps[2]).toBe(58)
    // (the clock moves in whole ms, so a gap may round up by one)
    for (let i = 1; i < gaps.length; i++) expect(gaps[i]).toBeLessThanOrEqual(gaps[i - 1] + 1)
    expect(gaps[gaps.length - 1]).toBeLessThan(gaps[0] / 2)

    // the backlog is sent, then traffic flows without delay: no more drops
    while (queue.dequeue() !== undefined) {
      // draining
    }
    const settled = dropped.length
    for (let i = 0; i < 500; i++) {
      clock.now += 1
      queue.enqueue(bulk(1), false)
      expect(queue.dequeue()).toBeDefined()
    }
    expect(dropped.length).toBe(settled)
  })

  it('never drops interactive units, however long they waited', () => {
    const { queue, clock, dropped } = queueOnClock({ target: 5, interval: 100 })
    for (let i = 0; i < 20; i++) queue.enqueue(Uint8Array.of(i), true)
    clock.now += 10_000
    const sent = []
    for (let next = queue.dequeue(); next !== undefined; next = queue.dequeue()) sent.push(next[0])
    expect(sent).toHaveLength(20)
    expect(dropped).toEqual([])
  })

  it('forgets everything on clear', () => {
    const { queue, dropped } = queueOnClock()
    queue.enqueue(bulk(1), false)
    queue.enqueue(Uint8Array.of(1), true)
    expect(queue.clear()).toBe(2)
    expect(queue.length).toBe(0)
    expect(queue.bytes).toBe(0)
    expect(queue.dequeue()).toBeUndefined()
    expect(dropped).toEqual([])
  })
})
