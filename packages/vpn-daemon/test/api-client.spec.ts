import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { heartbeat, newPeerId, rawRequest, startApi, tempDir } from './api-helpers.js'
import type { ApiFixture } from './api-helpers.js'
import { ApiClientError, createApiClient, createServiceClient, KeyNotFoundError } from '@edgevpn/api-client'
import type { ApiClient, ServiceClient } from '@edgevpn/api-client'

const MINUTE = 60_000
/** Writes go through the announce ticker; give them time on a busy machine. */
const EVENTUALLY = { timeout: 20_000, interval: 100 }

describe('API client over a unix socket (Go api/client flows)', () => {
  let api: ApiFixture
  let dir: ReturnType<typeof tempDir>
  let client: ApiClient

  beforeAll(async () => {
    dir = tempDir()
    api = await startApi('enforce', `unix://${dir.path}/api.sock`)
    client = createApiClient({ host: api.address })
  })

  afterAll(async () => {
    await api?.stop()
    dir?.remove()
  })

  it('Put("b","f","bar"): GetBuckets contains b and GetBucketKey decodes to "bar"', async () => {
    await client.put('b', 'f', 'bar')
    await expect.poll(async () => client.getBuckets(), EVENTUALLY).toContain('b')
    expect(await client.getBucketKey('b', 'f')).toBe('"bar"')
    // the wire form: padded base64url of the JSON, stored as a JSON string, served double-encoded
    expect(api.ledger.getRaw('b', 'f')).toBe('"ImJhciI="')
    expect((await rawRequest(api.address, 'GET', '/api/ledger/b/f')).body).toBe('"\\"ImJhciI=\\""\n')
  })

  it('reads back string and struct values, keys with URL syntax included', async () => {
    await client.put('values', 'text', 'hello <world> & ☃')
    await client.put('values', 'struct', { Name: 'x', Count: 3, Tags: ['a', 'b'] })
    await client.put('values', 'odd/key?#%', 'weird')
    await expect.poll(async () => (await client.getBucketKeys('values')).sort(), EVENTUALLY).toEqual(['odd/key?#%', 'struct', 'text'])
    expect(await client.getBucketKey('values', 'text')).toBe('"hello \\u003cworld\\u003e \\u0026 ☃"')
    expect(JSON.parse(await client.getBucketKey('values', 'struct'))).toEqual({ Name: 'x', Count: 3, Tags: ['a', 'b'] })
    expect(await client.getBucketKey('values', 'odd/key?#%')).toBe('"weird"')
  })

  it('signals a missing key, and a value not written by put, as errors', async () => {
    await expect(client.getBucketKey('values', 'missing')).rejects.toBeInstanceOf(KeyNotFoundError)
    await api.ledger.put('healthcheck', api.self.id, heartbeat())
    await expect(client.getBucketKey('healthcheck', api.self.id)).rejects.toThrow(/was not written by put/)
    expect(await client.getBucket('no-such-bucket')).toEqual(new Map())
  })

  it('deletes keys and buckets', async () => {
    await client.put('gone', 'a', 1)
    await client.put('gone', 'b', 2)
    await expect.poll(async () => (await client.getBucketKeys('gone')).length, EVENTUALLY).toBe(2)
    await client.delete('gone', 'a')
    await expect.poll(async () => client.getBucketKeys('gone'), EVENTUALLY).toEqual(['b'])
    await client.deleteBucket('gone')
    await expect.poll(async () => client.getBuckets(), EVENTUALLY).not.toContain('gone')
  })

  it('decodes the summary, machines, services, files, users and the last block', async () => {
    const peer = await newPeerId()
    await api.ledger.put('machines', '10.1.0.7', { PeerID: peer.id, Hostname: 'h', OS: 'linux', Arch: 'amd64', Address: '10.1.0.7', Version: 'v' })
    await api.ledger.put('services', 's', { PeerID: peer.id, Name: 's' })
    await api.ledger.put('files', 'f', { PeerID: peer.id, Name: 'f' })
    await api.ledger.put('users', peer.id, { PeerID: peer.id, Timestamp: 't' })
    const summary = await client.summary()
    expect(summary).toEqual({ Files: 1, Machines: 1, Users: 1, Services: 1, BlockChain: api.ledger.index(), OnChainNodes: 0, Peers: 1, NodeID: api.self.id })
    expect(await client.machines()).toEqual([{ PeerID: peer.id, Hostname: 'h', OS: 'linux', Arch: 'amd64', Address: '10.1.0.7', Version: 'v' }])
    expect(await client.services()).toEqual([{ PeerID: peer.id, Name: 's' }])
    expect(await client.files()).toEqual([{ PeerID: peer.id, Name: 'f' }])
    expect(await client.users()).toEqual([{ PeerID: peer.id, Timestamp: 't' }])
    const block = await client.blockchain()
    expect(block.index).toBe(api.ledger.index())
    expect(block.hash).toBe(api.ledger.lastBlock().hash)
    expect((await client.ledger()).get('machines')?.get('10.1.0.7')).toBe(api.ledger.getRaw('machines', '10.1.0.7'))
  })

  it('reports HTTP errors with Echo\'s message', async () => {
    api.node.topic = undefined
    try {
      await expect(client.summary()).rejects.toThrow('GET /api/summary: HTTP 500: Internal Server Error')
    } finally {
      api.node.topic = []
    }
  })
})

describe('API client hosts', () => {
  it('accepts http:// URLs and bare host:port over TCP, and reports unreachable hosts', async () => {
    const api = await startApi('off', '127.0.0.1:0')
    try {
      await api.ledger.put('t', 'k', 'v')
      for (const host of [`http://${api.address}`, api.address, `http://${api.address}/`]) {
        expect(await createApiClient({ host }).getBucket('t')).toEqual(new Map([['k', '"v"']]))
      }
    } finally {
      await api.stop()
    }
    await expect(createApiClient({ host: api.address }).getBuckets()).rejects.toThrow(/ECONNREFUSED/)
    await expect(createApiClient({ host: 'unix:///nonexistent/evt.sock' }).getBuckets()).rejects.toBeInstanceOf(ApiClientError)
    expect(() => createApiClient({ host: 'ftp://x' })).toThrow(/unsupported scheme/)
  })
})

describe('Kairos service client', () => {
  let api: ApiFixture
  let dir: ReturnType<typeof tempDir>
  let client: ApiClient
  let service: ServiceClient

  beforeAll(async () => {
    dir = tempDir()
    api = await startApi('enforce', `unix://${dir.path}/api.sock`)
    client = createApiClient({ host: api.address })
    service = createServiceClient({ client, serviceId: 'kairos-test' })
  })

  afterAll(async () => {
    await api?.stop()
    dir?.remove()
  })

  it('Advertize("foo") makes AdvertizingNodes == ["foo"], with Go\'s time format', async () => {
    await service.advertize('foo')
    await expect.poll(async () => service.advertizingNodes(), EVENTUALLY).toEqual(['foo'])
    const advert = JSON.parse(await client.getBucketKey('kairos-test', 'foo-uuid')) as { Time: string }
    expect(Object.keys(advert)).toEqual(['Time'])
    expect(advert.Time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d*[1-9])?Z$/)
  })

  it('leaves out advertisements older than 15 minutes', async () => {
    const past = createServiceClient({ client, serviceId: 'kairos-old', clock: () => Date.now() - 16 * MINUTE })
    await past.advertize('old')
    await service.advertize('new')
    await expect.poll(async () => client.getBucketKeys('kairos-old'), EVENTUALLY).toEqual(['old-uuid'])
    expect(await createServiceClient({ client, serviceId: 'kairos-old' }).advertizingNodes()).toEqual([])
  })

  it('sets and gets values with reversed, dash-joined keys', async () => {
    await service.set('role', 'node-1', 'master')
    await service.set('master', 'ip', '10.1.0.1')
    await expect.poll(async () => service.get('role', 'node-1'), EVENTUALLY).toBe('master')
    expect(await client.getBucketKeys('kairos-test')).toContain('node-1-role')
    expect(await service.get('master', 'ip')).toBe('10.1.0.1')
    await expect(service.get('role', 'unknown')).rejects.toBeInstanceOf(KeyNotFoundError)
  })

  it('lists items with Go\'s has-suffix and replace-all rules', async () => {
    for (const key of ['a-uuid-b-uuid', 'xuuid', 'plain-uuid', 'other']) await client.put('items', key, 1)
    await expect.poll(async () => (await service.listItems('items', 'uuid')).sort(), EVENTUALLY).toEqual(['a-b', 'plain', 'xuuid'])
  })

  it('lists peers with a heartbeat younger than 15 minutes as active', async () => {
    const [fresh, stale] = await Promise.all([newPeerId(), newPeerId()])
    await api.ledger.put('healthcheck', fresh.id, heartbeat(MINUTE))
    await api.ledger.put('healthcheck', stale.id, heartbeat(20 * MINUTE))
    const active = await service.activeNodes()
    expect(active).toContain(fresh.id)
    expect(active).not.toContain(stale.id)
  })

  it('cleans the service bucket', async () => {
    await service.clean()
    await expect.poll(async () => client.getBuckets(), EVENTUALLY).not.toContain('kairos-test')
  })
})
