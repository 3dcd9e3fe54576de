import { afterEach, describe, expect, it } from 'vitest'
import { createMeshHost } from '@edgevpn/mesh-core'
import type { MeshHost } from '@edgevpn/mesh-core'
import type { PeerId, Stream } from '@libp2p/interface'

/** The gossipsub internals the test pokes at, the way a remote's router restart would. */
interface Router {
  streamsInbound: Map<string, { rawStream: Stream }>
  streamsOutbound: Map<string, { rawStream: Stream, close: () => Promise<void> }>
  createOutboundStream: (peer: PeerId, connection: unknown) => Promise<void>
}
const routerOf = (host: MeshHost): Router => host.libp2p.services.pubsub as unknown as Router
const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

async function waitUntil (predicate: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(20)
  }
}

describe('gossip streams under a live connection', () => {
  const hosts: MeshHost[] = []
  afterEach(async () => { await Promise.all(hosts.splice(0).map(async host => { await host.stop() })) })

  /** Two connected hosts on one topic; `received` collects what b hears from a. */
  async function pair (): Promise<{ a: MeshHost, b: MeshHost, received: string[], sendAtoB: (text: string) => Promise<void> }> {
    const a = await createMeshHost({ quic: false, listen: ['/ip4/127.0.0.1/tcp/0'] })
    const b = await createMeshHost({ quic: false, listen: ['/ip4/127.0.0.1/tcp/0'] })
    hosts.push(a, b)
    const received: string[] = []
    for (const host of [a, b]) host.libp2p.services.pubsub.subscribe('evt-keep')
    b.libp2p.services.pubsub.addEventListener('message', event => { received.push(new TextDecoder().decode(event.detail.data)) })
    await a.libp2p.dial(b.libp2p.getMultiaddrs()[0])
    await waitUntil(() => a.libp2p.services.pubsub.getSubscribers('evt-keep').some(peer => peer.equals(b.peerId)), 'a to see b subscribed')
    const sendAtoB = async (text: string): Promise<void> => {
      await a.libp2p.services.pubsub.publish('evt-keep', new TextEncoder().encode(text))
      await waitUntil(() => received.includes(text), `"${text}" at b`)
    }
    await sendAtoB('before')
    await sleep(3_000) // identify's late protocol updates can make gossipsub open its streams again
    return { a, b, received, sendAtoB }
  }

  it('reopens an outbound stream the remote reset, as go-libp2p-pubsub does', async () => {
    const { a, b, sendAtoB } = await pair()
    const before = routerOf(a).streamsOutbound.get(b.peerId.toString())
    // b resets the stream a sends on; the connection stays up
    routerOf(b).streamsInbound.get(a.peerId.toString())?.rawStream.abort(new Error('reset by the test'))
    await waitUntil(() => {
      const now = routerOf(a).streamsOutbound.get(b.peerId.toString())
      return now !== undefined && now !== before
    }, 'a new outbound stream from a')
    expect(a.libp2p.getConnections(b.peerId)).toHaveLength(1)
    await sendAtoB('after the reset')
  }, 30_000)

  // Go builds a new router at every OTP rotation, which opens a new stream to us
  it('renews its outbound stream when the peer opens a new one (its router restarted), once', async () => {
    const { a, b, sendAtoB } = await pair()
    await sleep(2_500) // older than the renewal quiet time
    const aId = a.peerId.toString()
    const aOut = routerOf(a).streamsOutbound.get(b.peerId.toString())
    const bOut = routerOf(b).streamsOutbound.get(aId)
    routerOf(b).streamsOutbound.delete(aId)
    await routerOf(b).createOutboundStream(a.peerId, b.libp2p.getConnections(a.peerId)[0])
    const bRenewed = routerOf(b).streamsOutbound.get(aId)
    expect(bRenewed).not.toBe(bOut)
    await waitUntil(() => {
      const now = routerOf(a).streamsOutbound.get(b.peerId.toString())
      return now !== undefined && now !== aOut
    }, 'a to renew its stream')
    const aRenewed = routerOf(a).streamsOutbound.get(b.peerId.toString())
    // b's stream was new when a's renewal reached it: nobody renews again
    await sleep(6_000)
    expect(routerOf(a).streamsOutbound.get(b.peerId.toString())).toBe(aRenewed)
    expect(routerOf(b).streamsOutbound.get(aId)).toBe(bRenewed)
    await sendAtoB('after the renewal')
  }, 30_000)
})
