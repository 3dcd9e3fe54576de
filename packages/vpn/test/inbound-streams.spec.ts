/**
 * The receiving side of Go edgevpn's `/edgevpn/0.1` over real libp2p nodes on loopback: one packet
 * per stream, including streams whose sender had already closed them when the handler started
 * reading. go-libp2p selects the protocol lazily once identify told it we speak it: the protocol
 * name, the packet and the FIN leave together, so the FIN is processed while the protocol is
 * still being negotiated.
 */
import { once } from 'node:events'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { IP_PACKETS } from '../src/packet-splitter.js'
import { GO_VPN_PROTOCOL } from '../src/protocols.js'
import { startInboundPair } from './fixtures/inbound-pair.js'
import { ipv4Udp } from './fixtures/ip-packets.js'
import type { InboundPair } from './fixtures/inbound-pair.js'
import type { Connection, Stream } from '@libp2p/interface'

const SENDER_IP = '10.1.0.9'
/** A protocol whose handler hands its streams to the receiver only once the sender closed them. */
const LATE_PROTOCOL = '/edgevpn-test/late-reader/1.0.0'
const TIMED_OUT = 'timed out'

describe('receiving /edgevpn/0.1 streams (one packet each)', () => {
  let pair: InboundPair
  const written: string[] = []
  const handled: Array<Promise<void>> = []

  beforeAll(async () => {
    pair = await startInboundPair(SENDER_IP, { write: packet => { written.push(new TextDecoder().decode(packet.subarray(28))); return true } })
    const handler = pair.inbound.handler(IP_PACKETS)
    await pair.receiver.libp2p.handle(GO_VPN_PROTOCOL, handler)
    await pair.receiver.libp2p.handle(LATE_PROTOCOL, async (stream: Stream, connection: Connection) => {
      if (stream.remoteWriteStatus !== 'closed') await once(stream, 'remoteCloseWrite')
      const done = handler(stream, connection)
      handled.push(Promise.resolve(done))
      await done
    })
  })

  afterAll(async () => { await pair?.stop() })

  /** Sends `text` in a UDP packet on a new stream, closes it and waits until the receiver closed it too. */
  async function sendPacket (protocol: string, text: string): Promise<string> {
    const stream = await pair.sender.libp2p.dialProtocol(pair.receiver.peerId, protocol)
    const closed = once(stream, 'close')
    stream.send(ipv4Udp(SENDER_IP, '10.1.0.1', 9, new TextEncoder().encode(text)))
    await stream.close()
    return await Promise.race([closed.then(() => stream.status), timeout(10_000)])
  }

  it('delivers the packet and closes the stream', async () => {
    expect(await sendPacket(GO_VPN_PROTOCOL, 'one packet')).toBe('closed')
    expect(written).toContain('one packet')
  })

  it('also when the sender closed the stream before the handler started reading', async () => {
    expect(await sendPacket(LATE_PROTOCOL, 'closed early')).toBe('closed')
    expect(written).toContain('closed early')
    expect(await Promise.race([Promise.all(handled).then(() => 'returned'), timeout(10_000)])).toBe('returned')
    expect(pair.counters.snapshot().drops['inbound-malformed']).toBe(0)
  })
})

async function timeout (ms: number): Promise<string> {
  return await new Promise(resolve => setTimeout(() => { resolve(TIMED_OUT) }, ms).unref())
}
