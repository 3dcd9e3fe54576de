/**
 * Fuzzing of the data plane's receive side (docs/security.md), bounded in time, from a printed
 * seed (`FUZZ_SEED=<n>` replays a run):
 * - the parsers alone: streams of valid, truncated, oversized, wrong-IP-version and random units
 *   cut at random chunk boundaries, on the three wire formats; virtio headers for software
 *   segmentation. Only the typed errors may escape.
 * - the receiver over real libp2p streams on loopback: the same traffic from a member on each
 *   protocol is dropped and counted, nothing malformed reaches the sink, and the receiver still
 *   delivers a valid packet afterwards with a bounded heap.
 */
import { once } from 'node:events'
import { seededRandom } from '@edgevpn/test/support/random'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FRAMED_PACKETS, OFFLOAD_FRAMES } from '../src/framing.js'
import { checkIpPacket } from '../src/ip-packet.js'
import { IP_PACKETS, PacketSplitter, StreamFormatError } from '../src/packet-splitter.js'
import { FRAMED_VPN_PROTOCOL, GO_VPN_PROTOCOL, OFFLOAD_VPN_PROTOCOL } from '../src/protocols.js'
import { SegmentationError, segmentOffloadUnit } from '../src/software-segmentation.js'
import { VNET_HDR_BYTES, writeVnetHeader } from '../src/vnet-header.js'
import { waitForDrain } from '../src/wait-drain.js'
import { startInboundPair } from './fixtures/inbound-pair.js'
import { ipv4Udp } from './fixtures/ip-packets.js'
import type { FrameFormat } from '../src/framing.js'
import type { UnitFormat } from '../src/packet-splitter.js'
import type { InboundPair } from './fixtures/inbound-pair.js'

const SEED = Number(process.env.FUZZ_SEED ?? (Date.now() >>> 0))
const PARSER_MS = 3_000
const NETWORK_MS = 5_000
const MEMBER_IP = '10.1.0.9'

type Random = () => number

interface Wire {
  name: string
  protocol: string
  format: UnitFormat
  /** Bytes of the virtio header before each packet. */
  headerBytes: number
}

const WIRES: Wire[] = [
  { name: 'go', protocol: GO_VPN_PROTOCOL, format: IP_PACKETS, headerBytes: 0 },
  { name: 'framed', protocol: FRAMED_VPN_PROTOCOL, format: FRAMED_PACKETS, headerBytes: 0 },
  { name: 'offload', protocol: OFFLOAD_VPN_PROTOCOL, format: OFFLOAD_FRAMES, headerBytes: VNET_HDR_BYTES }
]

const randomInt = (random: Random, below: number): number => Math.floor(random() * below)
const randomBytes = (random: Random, length: number): Uint8Array => Uint8Array.from({ length }, () => randomInt(random, 256))

/** One unit for `wire`, mostly broken: truncated, wrong IP version, lying lengths, random bytes. */
function fuzzedPacket (random: Random): Uint8Array {
  const packet = ipv4Udp(MEMBER_IP, '10.1.0.1', 9, randomBytes(random, randomInt(random, 300)))
  switch (randomInt(random, 7)) {
    case 0: return packet
    case 1: return packet.subarray(0, randomInt(random, packet.length))
    case 2: packet[0] = (randomInt(random, 16) << 4) | (packet[0] & 0x0f); return packet
    case 3: packet[2] = randomInt(random, 256); packet[3] = randomInt(random, 256); return packet
    case 4: packet[0] = 0x60; return packet
    case 5: packet.set(randomBytes(random, 4), 12); return packet
    default: return randomBytes(random, randomInt(random, 80))
  }
}

/** A stream's bytes on `wire`: units whose length prefix may lie (zero, too big, short). */
function fuzzedStream (random: Random, wire: Wire): Uint8Array {
  const parts: Uint8Array[] = []
  for (let units = 1 + randomInt(random, 6); units > 0; units--) {
    const packet = fuzzedPacket(random)
    const body = new Uint8Array(wire.headerBytes + packet.length)
    if (wire.headerBytes > 0) {
      writeVnetHeader(body, 0, { flags: randomInt(random, 2), gsoType: randomInt(random, 3) === 0 ? randomInt(random, 256) : 0, headerLength: randomInt(random, 0x10000), gsoSize: randomInt(random, 0x10000), csumStart: randomInt(random, 0x10000), csumOffset: randomInt(random, 0x10000) })
    }
    body.set(packet, wire.headerBytes)
    const prefixBytes = (wire.format as Partial<FrameFormat>).prefixBytes ?? 0
    const prefix = new Uint8Array(prefixBytes)
    const lie = randomInt(random, 8)
    let length = lie === 0 ? 0 : lie === 1 ? 0xffffffff : lie === 2 ? body.length + 1 + randomInt(random, 100) : body.length
    for (let i = prefixBytes - 1; i >= 0; i--, length = Math.floor(length / 256)) prefix[i] = length & 0xff
    parts.push(prefix, body)
  }
  return Buffer.concat(parts)
}

/** Cuts `bytes` into random chunks, as a transport may deliver them. */
function* chunks (random: Random, bytes: Uint8Array): Generator<Uint8Array> {
  for (let offset = 0; offset < bytes.length;) {
    const size = 1 + randomInt(random, 200)
    yield bytes.subarray(offset, offset + size)
    offset += size
  }
}

describe(`VPN frame fuzzing (seed ${SEED})`, () => {
  it('splits and checks random streams on every wire format, throwing only StreamFormatError', () => {
    const random = seededRandom(SEED)
    const deadline = Date.now() + PARSER_MS
    let streams = 0
    let accepted = 0
    let rejected = 0
    while (Date.now() < deadline) {
      for (const wire of WIRES) {
        const splitter = new PacketSplitter(wire.format)
        try {
          for (const chunk of chunks(random, fuzzedStream(random, wire))) {
            splitter.push(chunk, unit => {
              const problem = checkIpPacket(unit, wire.headerBytes, unit.length - wire.headerBytes)
              if (typeof problem === 'string') rejected++
              else accepted++
            })
          }
        } catch (err) {
          if (!(err instanceof StreamFormatError)) throw new Error(`seed ${SEED}: ${wire.name}: ${String(err)}`)
          rejected++
        }
        streams++
      }
    }
    console.log(`parsers: ${streams} streams, ${accepted} packets accepted, ${rejected} units rejected (seed ${SEED})`)
    expect(accepted).toBeGreaterThan(0)
    expect(rejected).toBeGreaterThan(0)
  })

  it('segments random offload units in software, throwing only SegmentationError', () => {
    const random = seededRandom(SEED + 1)
    const deadline = Date.now() + PARSER_MS
    let units = 0
    let refused = 0
    while (Date.now() < deadline) {
      const packet = fuzzedPacket(random)
      if (randomInt(random, 2) === 0) packet[9] = 6
      const unit = new Uint8Array(VNET_HDR_BYTES + packet.length)
      writeVnetHeader(unit, 0, { flags: randomInt(random, 2), gsoType: [0, 1, 4, 0x81, randomInt(random, 256)][randomInt(random, 5)], headerLength: randomInt(random, 120), gsoSize: randomInt(random, 3) === 0 ? 0 : randomInt(random, 1500), csumStart: randomInt(random, 80), csumOffset: randomInt(random, 40) })
      unit.set(packet, VNET_HDR_BYTES)
      try {
        const run = segmentOffloadUnit(unit, 0, unit.length)
        for (let i = 0; i < run.count; i++) expect(run.spans[2 * i] + run.spans[2 * i + 1]).toBeLessThanOrEqual(run.bytes.length)
      } catch (err) {
        if (!(err instanceof SegmentationError)) throw new Error(`seed ${SEED + 1}: ${String(err)}`)
        refused++
      }
      units++
    }
    console.log(`segmentation: ${units} units, ${refused} refused (seed ${SEED + 1})`)
    expect(units).toBeGreaterThan(0)
  })

  describe('the receiver over real libp2p streams', () => {
    let pair: InboundPair
    const written: Uint8Array[] = []

    beforeAll(async () => {
      // the sink takes a virtio header before each packet, as a TUN opened with offload does
      pair = await startInboundPair(MEMBER_IP, { write: packet => { written.push(packet.slice(VNET_HDR_BYTES)); return true } }, { sinkVnetHeader: true })
      for (const wire of WIRES) await pair.receiver.libp2p.handle(wire.protocol, pair.inbound.handler(wire.format, wire.headerBytes > 0 ? 'offload' : 'packets'))
    })

    afterAll(async () => { await pair?.stop() })

    async function send (wire: Wire, bytes: Uint8Array): Promise<void> {
      const stream = await pair.sender.libp2p.dialProtocol(pair.receiver.peerId, wire.protocol)
      const closed = once(stream, 'close')
      try {
        if (!stream.send(bytes)) await waitForDrain(stream)
        await stream.close()
      } catch {
        // the receiver resets streams that break their framing
      }
      if (stream.status === 'open') await Promise.race([closed, new Promise(resolve => setTimeout(resolve, 5_000))])
    }

    it('drops and counts every malformed unit, delivers only well-formed packets, and keeps serving', async () => {
      const random = seededRandom(SEED + 2)
      const heapBefore = process.memoryUsage().heapUsed
      const deadline = Date.now() + NETWORK_MS
      let streams = 0
      while (Date.now() < deadline) {
        for (const wire of WIRES) await send(wire, fuzzedStream(random, wire))
        streams += WIRES.length
      }
      const { drops, totals } = pair.counters.snapshot()
      console.log(`receiver: ${streams} streams, ${totals.packetsIn} packets delivered, drops ${JSON.stringify(drops)} (seed ${SEED + 2})`)
      expect(drops['inbound-malformed']).toBeGreaterThan(0)
      expect(drops['spoofed-source']).toBeGreaterThan(0)
      expect(totals.packetsIn).toBe(written.length)
      for (const packet of written) {
        expect(checkIpPacket(packet, 0, packet.length), `seed ${SEED + 2}`).toBe(4)
        expect([...packet.subarray(12, 16)]).toEqual([10, 1, 0, 9])
      }

      const valid = ipv4Udp(MEMBER_IP, '10.1.0.1', 9, new TextEncoder().encode('still alive'))
      const before = written.length
      await send(WIRES[0], valid)
      expect(written.length).toBe(before + 1)
      expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(256 * 1024 * 1024)
    }, 60_000)
  })
})
