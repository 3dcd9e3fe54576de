import { afterEach, describe, expect, it } from 'vitest'
import { heartbeat, newPeerId, rawRequest, startApi } from './api-helpers.js'
import type { ApiFixture } from './api-helpers.js'
import type { DataPlaneStats, GossipStats, Libp2pStats, PrometheusSources, RuntimeStats } from '../src/api/index.js'
import type { PeerState } from '@edgevpn/mesh-core'

function peer (id: string, link: PeerState['link']): PeerState {
  return { id, discoveredVia: 'mdns', connected: link !== 'none', link, path: link, firstSeen: 0, lastSeen: 0 }
}

/** The samples of a Prometheus text body: `name{labels}` → value. */
function samples (body: string): Map<string, number> {
  return new Map(body.split('\n').filter(line => line !== '' && !line.startsWith('#')).map(line => {
    const space = line.lastIndexOf(' ')
    return [line.slice(0, space), Number(line.slice(space + 1))]
  }))
}

describe('GET /metrics and /healthz', () => {
  let api: ApiFixture | undefined

  afterEach(async () => {
    await api?.stop()
    api = undefined
  })

  /** Starts an API whose `/metrics` reads `prometheus`, and scrapes it once. */
  async function scrape (prometheus: PrometheusSources): Promise<{ body: string, values: Map<string, number> }> {
    api = await startApi('off', '127.0.0.1:0', { prometheus })
    const { body } = await rawRequest(api.address, 'GET', '/metrics')
    return { body, values: samples(body) }
  }

  it('exports ledger entries per bucket, the ledger index and connected peers by link, with HELP and TYPE lines', async () => {
    api = await startApi('off', '127.0.0.1:0')
    const [a, b, c] = (await Promise.all([newPeerId(), newPeerId(), newPeerId()])).map(p => p.id)
    await api.ledger.put('healthcheck', a, heartbeat())
    await api.ledger.put('healthcheck', b, heartbeat())
    await api.ledger.put('users', a, { PeerID: a, Timestamp: 'now' })
    api.node.table = [peer(a, 'direct'), peer(b, 'relayed'), peer(c, 'none')]

    const response = await rawRequest(api.address, 'GET', '/metrics')
    expect(response.status).toBe(200)
    expect(response.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8')
    expect(response.body).toContain('# HELP edgevpn_ledger_entries ')
    expect(response.body).toContain('# TYPE edgevpn_ledger_entries gauge\n')
    expect(response.body).toContain('# TYPE edgevpn_peers_connected gauge\n')
    const values = samples(response.body)
    expect(values.get('edgevpn_ledger_entries{bucket="healthcheck"}')).toBe(2)
    expect(values.get('edgevpn_ledger_entries{bucket="users"}')).toBe(1)
    expect(values.get('edgevpn_ledger_index')).toBe(api.ledger.index())
    expect(values.get('edgevpn_peers_connected{link="direct"}')).toBe(1)
    expect(values.get('edgevpn_peers_connected{link="relayed"}')).toBe(1)
    // an open API refuses nothing
    expect(values.get('edgevpn_api_refused_requests_total')).toBe(0)
    // without sources, no data-plane or gossip families
    expect(response.body).not.toContain('edgevpn_vpn_')
    expect(response.body).not.toContain('edgevpn_gossip_')
  })

  it('adds the data-plane and gossip counters of its sources, drops by reason', async () => {
    const vpn: DataPlaneStats = { packetsIn: 7, bytesIn: 700, packetsOut: 9, bytesOut: 900, drops: { 'no-route': 3, 'queue-full': 0 }, refusedStreams: 2, rejectedFastSockets: 4 }
    const gossip: GossipStats = { received: 11, delivered: 10, published: 4, publishFailed: 1, dropped: { unsealFailed: 1, badBlock: 0 } }
    const { body, values } = await scrape({ dataPlane: () => vpn, gossip: () => gossip })
    expect(body).toContain('# TYPE edgevpn_vpn_bytes_total counter\n')
    expect(body).toContain('# TYPE edgevpn_gossip_dropped_messages_total counter\n')
    expect(values.get('edgevpn_vpn_packets_total{direction="in"}')).toBe(7)
    expect(values.get('edgevpn_vpn_bytes_total{direction="out"}')).toBe(900)
    expect(values.get('edgevpn_vpn_dropped_packets_total{reason="no-route"}')).toBe(3)
    expect(values.get('edgevpn_vpn_dropped_packets_total{reason="queue-full"}')).toBe(0)
    expect(values.get('edgevpn_vpn_refused_streams_total')).toBe(2)
    expect(values.get('edgevpn_vpn_rejected_fast_sockets_total')).toBe(4)
    expect(values.get('edgevpn_gossip_messages_total{outcome="received"}')).toBe(11)
    expect(values.get('edgevpn_gossip_messages_total{outcome="publish_failed"}')).toBe(1)
    expect(values.get('edgevpn_gossip_dropped_messages_total{reason="unsealFailed"}')).toBe(1)
    // every sample belongs to a family announced just before it
    let family = ''
    for (const line of body.trimEnd().split('\n')) {
      if (line.startsWith('# TYPE ')) family = line.split(' ')[2]
      else if (!line.startsWith('# HELP ')) expect(line.startsWith(family)).toBe(true)
    }
  })

  it('adds the libp2p connections, streams by protocol and process figures of its sources', async () => {
    const libp2p: Libp2pStats = {
      connections: 3,
      streams: new Map([['/meshsub/1.1.0', 6], ['/edgevpn/0.1', 2]]),
      streamBytes: new Map([['/meshsub/1.1.0', { bytesIn: 1200, bytesOut: 3400 }]]),
      mdnsBytes: { bytesIn: 560, bytesOut: 780 }
    }
    const runtime: RuntimeStats = { residentBytes: 90e6, heapUsedBytes: 20e6, heapTotalBytes: 30e6, externalBytes: 4e6, openFds: 41 }
    const { body, values } = await scrape({ libp2p: () => libp2p, runtime: () => runtime })
    expect(body).toContain('# TYPE edgevpn_libp2p_streams gauge\n')
    expect(body).toContain('# TYPE process_resident_memory_bytes gauge\n')
    expect(values.get('edgevpn_libp2p_connections')).toBe(3)
    expect(values.get('edgevpn_libp2p_streams{protocol="/meshsub/1.1.0"}')).toBe(6)
    expect(values.get('edgevpn_libp2p_streams{protocol="/edgevpn/0.1"}')).toBe(2)
    expect(body).toContain('# TYPE edgevpn_libp2p_stream_bytes_total counter\n')
    expect(values.get('edgevpn_libp2p_stream_bytes_total{protocol="/meshsub/1.1.0",direction="in"}')).toBe(1200)
    expect(values.get('edgevpn_libp2p_stream_bytes_total{protocol="/meshsub/1.1.0",direction="out"}')).toBe(3400)
    expect(values.get('edgevpn_mdns_bytes_total{direction="in"}')).toBe(560)
    expect(values.get('edgevpn_mdns_bytes_total{direction="out"}')).toBe(780)
    expect(values.get('process_resident_memory_bytes')).toBe(90e6)
    expect(values.get('nodejs_heap_size_used_bytes')).toBe(20e6)
    expect(values.get('nodejs_heap_size_total_bytes')).toBe(30e6)
    expect(values.get('nodejs_external_memory_bytes')).toBe(4e6)
    expect(values.get('process_open_fds')).toBe(41)
  })

  it('escapes label values', async () => {
    api = await startApi('off', '127.0.0.1:0')
    await api.ledger.put('we"ird\\bucket', 'k', 'v')
    const { body } = await rawRequest(api.address, 'GET', '/metrics')
    expect(body).toContain('edgevpn_ledger_entries{bucket="we\\"ird\\\\bucket"} 1\n')
  })

  it('/healthz is 200 ok on the ledger topic, 503 before joining it', async () => {
    api = await startApi('off', '127.0.0.1:0')
    const ready = await rawRequest(api.address, 'GET', '/healthz')
    expect(ready.status).toBe(200)
    expect(ready.body).toBe('ok\n')
    expect(ready.headers['content-type']).toBe('text/plain; charset=utf-8')

    api.node.topic = undefined
    const notReady = await rawRequest(api.address, 'GET', '/healthz')
    expect(notReady.status).toBe(503)
    expect(notReady.body).toMatch(/^not ready: .*topic/)
  })

  it('other methods get the API\'s 405', async () => {
    api = await startApi('off', '127.0.0.1:0')
    expect((await rawRequest(api.address, 'POST', '/healthz')).status).toBe(405)
    expect((await rawRequest(api.address, 'DELETE', '/metrics')).status).toBe(405)
  })
})
