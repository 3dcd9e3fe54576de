/** `/edgevpn-ts/time/1.0.0` between two real libp2p hosts on loopback. */
import { createMeshHost, generateNetworkConfig } from '@edgevpn/mesh-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { queryPeerClock, serveTime } from '../src/node/time-protocol.js'
import type { MeshHost } from '@edgevpn/mesh-core'

describe('time protocol', () => {
  const network = generateNetworkConfig({ interval: 60n })
  let asker: MeshHost
  let answerer: MeshHost
  let silent: MeshHost

  beforeAll(async () => {
    const init = { listen: ['/ip4/127.0.0.1/tcp/0'], quic: false }
    ;[asker, answerer, silent] = await Promise.all([createMeshHost(init), createMeshHost(init), createMeshHost(init)])
    await serveTime(answerer.libp2p, { network, clock: () => Date.now() - 42_000 })
    await asker.libp2p.peerStore.merge(answerer.peerId, { multiaddrs: answerer.libp2p.getMultiaddrs() })
    await asker.libp2p.peerStore.merge(silent.peerId, { multiaddrs: silent.libp2p.getMultiaddrs() })
  })

  afterAll(async () => {
    await Promise.all([asker, answerer, silent].map(async host => { await host?.stop() }))
  })

  it('reads a shifted clock and the token proof of a member', async () => {
    const sample = await queryPeerClock(asker.libp2p, answerer.peerId, { network })
    expect(sample.member).toBe(true)
    // within the round trip of the true -42 s, both ends included (a round trip can read 0 ms)
    expect(sample.offsetMs).toBeGreaterThanOrEqual(-42_000 - sample.rttMs)
    expect(sample.offsetMs).toBeLessThanOrEqual(-42_000 + sample.rttMs + 1)
  })

  it('tells a node holding another token apart', async () => {
    const sample = await queryPeerClock(asker.libp2p, answerer.peerId, { network: generateNetworkConfig({ interval: 60n }) })
    expect(sample.member).toBe(false)
  })

  it('fails against a node without the protocol', async () => {
    await expect(queryPeerClock(asker.libp2p, silent.peerId, { network })).rejects.toThrow()
  })
})
