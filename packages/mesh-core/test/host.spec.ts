import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { afterEach, describe, expect, it } from 'vitest'
import {
  createBlacklistGater, createMeshHost, createPeerTable, InvalidBlacklistEntryError, InvalidHostOptionError
} from '@edgevpn/mesh-core'
import type { MeshHost, MeshHostInit, PeerState } from '@edgevpn/mesh-core'
import type { PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

async function randomPeerId (): Promise<PeerId> {
  return peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
}

async function waitUntil (predicate: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 20))
  }
}

describe('createBlacklistGater', () => {
  it('blocks dials to and connections from IPv4 and IPv6 subnets', () => {
    const gater = createBlacklistGater({ blacklist: ['10.1.0.0/24', 'fd00:1::/64'] })
    expect(gater.denyDialMultiaddr(multiaddr('/ip4/10.1.0.7/tcp/4001'))).toBe(true)
    expect(gater.denyDialMultiaddr(multiaddr('/ip4/10.1.1.7/tcp/4001'))).toBe(false)
    expect(gater.denyDialMultiaddr(multiaddr('/ip6/fd00:1::5/udp/4001/quic-v1'))).toBe(true)
    expect(gater.denyDialMultiaddr(multiaddr('/ip6/fd00:2::5/udp/4001/quic-v1'))).toBe(false)
    expect(gater.denyDialMultiaddr(multiaddr('/ip6/::ffff:10.1.0.9/tcp/1'))).toBe(true)
    expect(gater.denyDialMultiaddr(multiaddr('/dns4/example.test/tcp/1'))).toBe(false)
  })

  it('blocks real peer IDs (Go never matches them)', async () => {
    const blocked = await randomPeerId()
    const other = await randomPeerId()
    const gater = createBlacklistGater({ blacklist: [blocked.toString()] })
    expect(gater.denyDialPeer(blocked)).toBe(true)
    expect(gater.denyDialPeer(other)).toBe(false)
    expect(gater.denyDialMultiaddr(multiaddr(`/ip4/127.0.0.1/tcp/1/p2p/${blocked.toString()}`))).toBe(true)
    expect(gater.denyInboundRelayedConnection(other, blocked)).toBe(true)
  })

  it('treats a bare address as a single host', () => {
    const gater = createBlacklistGater({ blacklist: ['192.0.2.1'] })
    expect(gater.isBlockedAddress(multiaddr('/ip4/192.0.2.1/tcp/1'))).toBe(true)
    expect(gater.isBlockedAddress(multiaddr('/ip4/192.0.2.2/tcp/1'))).toBe(false)
  })

  it('rejects an entry that is neither, naming it', () => {
    for (const entry of ['10.1.0.0/33', 'not-a-peer', '10.1.0.0/', '300.1.0.0/8']) {
      expect(() => createBlacklistGater({ blacklist: [entry] })).toThrow(InvalidBlacklistEntryError)
      expect(() => createBlacklistGater({ blacklist: [entry] })).toThrow(entry)
    }
  })

  it('blocks subnets added at runtime', () => {
    const gater = createBlacklistGater()
    expect(gater.isBlockedAddress(multiaddr('/ip4/10.9.0.3/tcp/1'))).toBe(false)
    gater.blockSubnet('10.9.0.0/24')
    expect(gater.isBlockedAddress(multiaddr('/ip4/10.9.0.3/tcp/1'))).toBe(true)
    expect(() => { gater.blockSubnet('nonsense') }).toThrow(InvalidBlacklistEntryError)
  })
})

describe('createMeshHost options', () => {
  it('rejects a bootstrap peer without /p2p/, naming it', async () => {
    await expect(createMeshHost({ quic: false, bootstrapPeers: ['/ip4/127.0.0.1/tcp/4001'] }))
      .rejects.toThrow(/bootstrap peer \/ip4\/127.0.0.1\/tcp\/4001 has no \/p2p\//)
  })

  it('rejects invalid multiaddrs and limits', async () => {
    await expect(createMeshHost({ quic: false, bootstrapPeers: ['/ip4/nope'] })).rejects.toThrow(InvalidHostOptionError)
    await expect(createMeshHost({ quic: false, listen: ['garbage'] })).rejects.toThrow(/listen multiaddr "garbage"/)
    await expect(createMeshHost({ quic: false, listen: ['/ip4/127.0.0.1/udp/0/quic-v1'] })).rejects.toThrow(/needs QUIC/)
    await expect(createMeshHost({ quic: false, maxMessageSize: 0 })).rejects.toThrow(/maxMessageSize/)
  })
})

describe('a platform without the QUIC binary', () => {
  it('runs on TCP alone and says so once', () => {
    // napi-rs loads only this path when it is set, as if the platform package were missing
    const script = `
      import { createMeshHost } from '@edgevpn/mesh-core'
      const host = await createMeshHost({ listen: ['/ip4/127.0.0.1/tcp/0', '/ip4/127.0.0.1/udp/0/quic-v1'] })
      console.log(JSON.stringify(host.libp2p.getMultiaddrs().map(String)))
      await host.stop()`
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      env: { ...process.env, NAPI_RS_NATIVE_LIBRARY_PATH: '/nonexistent/libp2p-quic.node' },
      encoding: 'utf8',
      timeout: 30_000
    })
    expect(run.status, run.stderr).toBe(0)
    const addresses = JSON.parse(run.stdout) as string[]
    expect(addresses.length).toBeGreaterThan(0)
    expect(addresses.every(address => address.includes('/tcp/'))).toBe(true)
    const warnings = run.stderr.split('\n').filter(line => line.includes('QUIC is not available'))
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(/running on TCP only/)
  })
})

describe('mesh hosts on loopback', () => {
  const hosts: MeshHost[] = []
  const start = async (init: MeshHostInit = {}): Promise<MeshHost> => {
    const host = await createMeshHost({ quic: false, listen: ['/ip4/127.0.0.1/tcp/0'], ...init })
    hosts.push(host)
    return host
  }

  afterEach(async () => {
    await Promise.all(hosts.splice(0).map(async host => { await host.stop() }))
  })

  it('connects, identifies as edgevpn and carries gossip', async () => {
    const a = await start()
    const b = await start({ bootstrapPeers: [a.libp2p.getMultiaddrs()[0].toString()] })
    await b.libp2p.dial(a.peerId)
    await waitUntil(() => a.libp2p.getPeers().some(peer => peer.equals(b.peerId)), 'a to see b')

    const agent = async (): Promise<string> => {
      const peer = await a.libp2p.peerStore.get(b.peerId)
      return new TextDecoder().decode(peer.metadata.get('AgentVersion'))
    }
    const deadline = Date.now() + 10_000
    while ((await agent()) === '' && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 50))
    expect(await agent()).toMatch(/^edgevpn/)

    const received: string[] = []
    a.libp2p.services.pubsub.subscribe('evt-topic')
    b.libp2p.services.pubsub.subscribe('evt-topic')
    a.libp2p.services.pubsub.addEventListener('message', event => {
      received.push(new TextDecoder().decode(event.detail.data))
    })
    await waitUntil(() => b.libp2p.services.pubsub.getSubscribers('evt-topic').some(peer => peer.equals(a.peerId)), 'subscription')
    await b.libp2p.services.pubsub.publish('evt-topic', new TextEncoder().encode('hello'))
    await waitUntil(() => received.includes('hello'), 'gossip message')
  })

  it('scores no peer down for sharing an address, as Go runs gossipsub without scoring', async () => {
    // js gossipsub's default scoring graylists every peer of more than 10 from one IP
    // (15 → -125 < -80): a NAT'd site or a relay
    const hub = await start()
    const peers = await Promise.all(Array.from({ length: 15 }, async () => await start()))
    hub.libp2p.services.pubsub.subscribe('evt-crowd')
    const heard = new Set<string>()
    hub.libp2p.services.pubsub.addEventListener('message', event => { heard.add(new TextDecoder().decode(event.detail.data)) })
    for (const peer of peers) {
      peer.libp2p.services.pubsub.subscribe('evt-crowd')
      await peer.libp2p.dial(hub.libp2p.getMultiaddrs()[0])
      await new Promise(resolve => setTimeout(resolve, 250)) // js-libp2p takes 5 connections a second per IP
    }
    await waitUntil(() => peers.every(peer => peer.libp2p.services.pubsub.getSubscribers('evt-crowd').some(id => id.equals(hub.peerId))), 'every peer to see the hub subscribed', 30_000)
    await new Promise(resolve => setTimeout(resolve, 1_500)) // a heartbeat refreshes the scores
    const scores = hub.libp2p.services.pubsub as unknown as { getScore: (peer: string) => number }
    for (const peer of peers) expect(scores.getScore(peer.peerId.toString())).toBe(0)
    for (const [i, peer] of peers.entries()) await peer.libp2p.services.pubsub.publish('evt-crowd', new TextEncoder().encode(`from ${i}`))
    await waitUntil(() => heard.size === peers.length, 'a message from every peer', 15_000)
  }, 60_000)

  it('counts the bytes of every libp2p stream by protocol, both ways', async () => {
    const a = await start()
    const b = await start()
    const protocol = '/evt/echo/1'
    await b.libp2p.handle(protocol, stream => {
      stream.addEventListener('message', event => { stream.send(event.data) })
      stream.addEventListener('remoteCloseWrite', () => { void stream.close() })
    })
    const stream = await a.libp2p.dialProtocol(b.libp2p.getMultiaddrs()[0], protocol)
    stream.send(new Uint8Array(3000))
    void stream.close()
    let echoed = 0
    for await (const chunk of stream) echoed += chunk.byteLength
    expect(echoed).toBe(3000)
    const at = (host: MeshHost): { bytesIn: number, bytesOut: number } | undefined => host.traffic.byProtocol().get(protocol)
    // the first send also carries the protocol negotiation
    expect(at(a)?.bytesOut).toBeGreaterThanOrEqual(3000)
    expect(at(a)?.bytesIn).toBe(3000)
    await waitUntil(() => at(b)?.bytesOut === 3000, 'b to count what it sent')
    expect(at(b)?.bytesIn).toBe(3000)
    // identify ran on the connection: it is counted too
    await waitUntil(() => [...a.traffic.byProtocol().keys()].some(id => id.startsWith('/ipfs/id/')), 'identify counted')
  })

  it('talks QUIC when enabled', async () => {
    const a = await start({ quic: true, listen: ['/ip4/127.0.0.1/udp/0/quic-v1'] })
    const b = await start({ quic: true, listen: ['/ip4/127.0.0.1/udp/0/quic-v1'] })
    const connection = await b.libp2p.dial(a.libp2p.getMultiaddrs()[0])
    expect(connection.remoteAddr.toString()).toContain('/quic-v1')
  })

  it('listens on IPv6 too by default, as Go does (peers dial it over TCP and QUIC at ::1), and announces no IPv6 loopback or link-local address', async () => {
    const a = await start({ quic: true, listen: undefined })
    const transports = (a.libp2p as unknown as { components: { transportManager: { getAddrs: () => Multiaddr[] } } }).components.transportManager
    const loopback6 = transports.getAddrs().filter(address => address.toString().startsWith('/ip6/::1/'))
    expect(loopback6.map(address => address.toString().split('/')[3]).sort()).toEqual(['tcp', 'udp'])
    for (const address of loopback6) {
      const b = await start({ quic: true, listen: ['/ip4/127.0.0.1/tcp/0'] })
      const connection = await b.libp2p.dial(multiaddr(`${address.toString()}/p2p/${a.peerId.toString()}`))
      expect(connection.remoteAddr.toString()).toMatch(/^\/ip6\/::1\//)
    }
    const announced = a.libp2p.getMultiaddrs().map(String)
    expect(announced.some(address => address.startsWith('/ip4/127.0.0.1/tcp/'))).toBe(true)
    expect(announced.filter(address => address.startsWith('/ip6/::1/') || /^\/ip6\/fe[89ab]/i.test(address))).toEqual([])
  })

  it('refuses connections from and dials to a subnet blocked at runtime', async () => {
    const a = await start()
    const b = await start()
    a.gater.blockSubnet('127.0.0.0/8')
    await expect(a.libp2p.dial(b.libp2p.getMultiaddrs()[0])).rejects.toThrow()
    await expect(b.libp2p.dial(a.libp2p.getMultiaddrs()[0])).rejects.toThrow()
    expect(a.libp2p.getConnections()).toHaveLength(0)
  })

  it('refuses a blacklisted peer ID', async () => {
    const b = await start()
    const a = await start({ blacklist: [b.peerId.toString()] })
    const opened: string[] = []
    a.libp2p.addEventListener('connection:open', event => { opened.push(event.detail.remotePeer.toString()) })
    await expect(a.libp2p.dial(b.libp2p.getMultiaddrs()[0])).rejects.toThrow(/gater/)
    // the peer ID is known only after the handshake, so b's side may briefly see a connection
    // that a then drops; a never accepts it
    await b.libp2p.dial(a.libp2p.getMultiaddrs()[0]).catch(() => {})
    await waitUntil(() => b.libp2p.getConnections(a.peerId).length === 0, 'b to be dropped')
    expect(opened).toEqual([])
  })

  it('tracks direct and relayed peers, latency and disconnects in the peer table', async () => {
    const relay = await start({ relayServer: {} })
    // reachable only through its reservation on the relay
    const hidden = await start({ listen: ['/p2p-circuit'] })
    // pings every second, so that a latency shows up soon (the default is every 5 minutes)
    const viewer = await start({ pingIntervalMs: 1_000 })
    await hidden.libp2p.dial(relay.libp2p.getMultiaddrs()[0])
    await waitUntil(() => hidden.libp2p.getMultiaddrs().some(address => address.toString().includes('/p2p-circuit')), 'relay reservation')
    const circuit = hidden.libp2p.getMultiaddrs().find(address => address.toString().includes('/p2p-circuit'))

    const table = createPeerTable(viewer.libp2p, { latencyInterval: 200 })
    const updates: PeerState[] = []
    table.addEventListener('peer:update', event => { updates.push(event.detail) })
    try {
      await viewer.libp2p.dial(relay.libp2p.getMultiaddrs()[0])
      await viewer.libp2p.dial(circuit!)
      const relayed = table.get(hidden.peerId)
      expect(relayed?.connected).toBe(true)
      expect(relayed?.link).toBe('relayed')
      expect(relayed?.remoteAddr).toContain('/p2p-circuit')
      expect(table.get(relay.peerId)?.link).toBe('direct')
      expect(table.get(relay.peerId)?.discoveredVia).toBe('outbound')
      await waitUntil(() => table.get(relay.peerId)?.latencyMs != null, 'a latency measurement', 30_000)
      expect(table.get(relay.peerId)?.latencyMs).toBeGreaterThanOrEqual(0)

      const failure = new Error('dial refused for the test')
      table.dialFailed(hidden.peerId, failure)
      expect(table.get(hidden.peerId)?.lastError).toBe(failure.message)

      await viewer.libp2p.hangUp(hidden.peerId)
      await waitUntil(() => table.get(hidden.peerId)?.connected === false, 'disconnect')
      expect(table.get(hidden.peerId)?.link).toBe('none')
      expect(updates.some(update => update.id === hidden.peerId.toString() && !update.connected)).toBe(true)
    } finally {
      table.stop()
    }
  })

  it('finds a peer known only by its ID through the static relays', async () => {
    // a relay that serves no DHT (as a Go relay on a private network): nothing else links the two
    const relay = await start({ relayServer: {}, dhtClientMode: true })
    const relayAddress = relay.libp2p.getMultiaddrs()[0].toString()
    const hidden = await start({ listen: [], relayClient: { staticRelays: [relayAddress] } })
    const seeker = await start({ relayClient: { staticRelays: [relayAddress] } })
    await waitUntil(() => hidden.libp2p.getMultiaddrs().some(address => address.toString().includes('/p2p-circuit')), 'the hidden peer\'s reservation', 30_000)
    const connection = await seeker.libp2p.dial(hidden.peerId)
    expect(connection.remoteAddr.toString()).toBe(`${relayAddress}/p2p-circuit/p2p/${hidden.peerId.toString()}`)
  }, 60_000)

  it('evicts the least recently seen disconnected peers beyond maxEntries', async () => {
    const host = await start()
    let now = 1_000
    const table = createPeerTable(host.libp2p, { maxEntries: 2, now: () => now++ })
    const evicted: string[] = []
    table.addEventListener('peer:evict', event => { evicted.push(event.detail.id) })
    try {
      const [first, second, third] = await Promise.all([randomPeerId(), randomPeerId(), randomPeerId()])
      table.discovered(first, 'dht')
      table.discovered(second, 'mdns')
      table.discovered(first, 'dht') // seen again: second is now the oldest
      table.discovered(third, 'static')
      expect(table.size).toBe(2)
      expect(evicted).toEqual([second.toString()])
      expect(table.get(first)?.discoveredVia).toBe('dht')
      expect(table.get(third)?.discoveredVia).toBe('static')
    } finally {
      table.stop()
    }
  })
})
