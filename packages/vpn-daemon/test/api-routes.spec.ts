import { encodeBlock } from '@edgevpn/ledger'
import { encodeGoJson } from '@edgevpn/go-compat'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { heartbeat, newPeerId, rawRequest, startApi, tempDir } from './api-helpers.js'
import type { ApiFixture, RawResponse } from './api-helpers.js'
import type { Metrics, Stats } from '../src/api/index.js'
import type { OwnershipMode } from '@edgevpn/ledger'

const MINUTE = 60_000

/** Bandwidth numbers as a data plane would report them, keyed by real IDs. */
function fixedMetrics (peer: string): Metrics {
  const stats: Stats = { TotalIn: 1500, TotalOut: 3000, RateIn: 12.5, RateOut: 0 }
  return {
    totals: () => stats,
    byProtocol: () => new Map([['/edgevpn/0.1', stats]]),
    byPeer: () => new Map([[peer, stats]])
  }
}

const cases: Array<{ mode: OwnershipMode, transport: 'tcp' | 'unix' }> = [
  { mode: 'off', transport: 'tcp' },
  { mode: 'enforce', transport: 'tcp' },
  { mode: 'off', transport: 'unix' },
  { mode: 'enforce', transport: 'unix' }
]

describe.each(cases)('API routes (ownership $mode, over $transport)', ({ mode, transport }) => {
  let api: ApiFixture
  let dir: ReturnType<typeof tempDir>
  let a: string
  let b: string
  let c: string
  const get = async (path: string): Promise<RawResponse> => rawRequest(api.address, 'GET', path)

  beforeAll(async () => {
    dir = tempDir()
    ;[a, b, c] = (await Promise.all([newPeerId(), newPeerId(), newPeerId()])).map(peer => peer.id)
    const listen = transport === 'tcp' ? '127.0.0.1:0' : `unix://${dir.path}/api.sock`
    api = await startApi(mode, listen, { metrics: fixedMetrics(a) })
    const { ledger, node } = api
    await ledger.put('machines', '10.1.0.1', { PeerID: a, Hostname: 'alpha', OS: 'linux', Arch: 'amd64', Address: '10.1.0.1', Version: '0.1.0' })
    await ledger.put('machines', '10.1.0.2', { PeerID: b, Hostname: 'beta', OS: 'linux', Arch: 'arm64', Address: '10.1.0.2', Version: '0.1.0' })
    // Go decodes each value into the struct and ignores errors: wrong types give empty fields
    await ledger.putRaw('machines', '10.1.0.9', '{"peerid":"' + c + '","Hostname":7}')
    await ledger.put('services', 'web', { PeerID: a, Name: 'web' })
    await ledger.put('files', 'notes.txt', { PeerID: b, Name: 'notes.txt' })
    await ledger.put('users', a, { PeerID: a, Timestamp: '2026-01-02 03:04:05 +0000 UTC' })
    await ledger.put('healthcheck', a, heartbeat())
    await ledger.put('healthcheck', b, heartbeat(15 * MINUTE))
    await ledger.put('healthcheck', c, heartbeat(30 * MINUTE))
    await ledger.put('tests', 'k', 'done')
    await ledger.put('tests', 'html', '<&>')
    await ledger.put('dns', 'example.', { 1: '10.1.0.1', 28: 'fd00::1' })
    node.topic = [a, c]
    node.connected = [a]
    node.peerstore = [node.peerId, a, b]
    node.table = [{ id: a, discoveredVia: 'mdns', connected: true, link: 'direct', path: 'direct: hole-punched', remoteAddr: '/ip4/127.0.0.1/tcp/4001', latencyMs: 3, bytesIn: 1500, bytesOut: 42, firstSeen: 1000, lastSeen: 2000 }]
  })

  afterAll(async () => {
    await api?.stop()
    dir?.remove()
  })

  it('answers with Go JSON, a trailing newline and Content-Type application/json', async () => {
    const response = await get('/api/summary')
    expect(response.status).toBe(200)
    expect(response.headers['content-type']).toBe('application/json')
    expect(response.body).toBe(`{"Files":1,"Machines":3,"Users":1,"Services":1,"BlockChain":${api.ledger.index()},"OnChainNodes":2,"Peers":3,"NodeID":"${api.node.peerId}"}\n`)
  })

  it('indents with ?pretty like Go\'s json.Indent', async () => {
    expect((await get('/api/nodes?pretty')).body).toBe(
      `[\n  {\n    "ID": "${[a, c].sort()[0]}",\n    "Online": true\n  },\n  {\n    "ID": "${[a, c].sort()[1]}",\n    "Online": true\n  }\n]\n`)
    expect((await get('/api/ledger/none?pretty')).body).toBe('null\n')
    expect((await get('/api/metrics/protocol?pretty=1')).body).toBe(
      '{\n  "/edgevpn/0.1": {\n    "TotalIn": 1500,\n    "TotalOut": 3000,\n    "RateIn": 12.5,\n    "RateOut": 0\n  }\n}\n')
  })

  it('lists machines with Connected (really connected now), OnChain (topic peer) and Online (heartbeat < 20 min)', async () => {
    const machine = (peer: string, host: string, arch: string, address: string, connected: boolean, onChain: boolean, online: boolean): string =>
      `{"PeerID":"${peer}","Hostname":"${host}","OS":"${host === '' ? '' : 'linux'}","Arch":"${arch}","Address":"${address}","Version":"${host === '' ? '' : '0.1.0'}","Connected":${connected},"OnChain":${onChain},"Online":${online}}`
    expect((await get('/api/machines')).body).toBe('[' + [
      machine(a, 'alpha', 'amd64', '10.1.0.1', true, true, true),
      machine(b, 'beta', 'arm64', '10.1.0.2', false, false, true),
      machine(c, '', '', '', false, true, false)
    ].join(',') + ']\n')
  })

  it('lists nodes (heartbeat < 10 min or on the topic) and the peer store', async () => {
    expect(JSON.parse((await get('/api/nodes')).body)).toEqual([a, c].sort().map(ID => ({ ID, Online: true })))
    expect((await get('/api/peerstore')).body).toBe(encodeGoJson([api.node.peerId, a, b].sort().map(ID => ({ ID, Online: false }))) + '\n')
  })

  it('lists users, services and files as Go structs', async () => {
    expect((await get('/api/users')).body).toBe(`[{"PeerID":"${a}","Timestamp":"2026-01-02 03:04:05 +0000 UTC"}]\n`)
    expect((await get('/api/services')).body).toBe(`[{"PeerID":"${a}","Name":"web"}]\n`)
    expect((await get('/api/files')).body).toBe(`[{"PeerID":"${b}","Name":"notes.txt"}]\n`)
  })

  it('returns the last block exactly as Go encodes it', async () => {
    const body = (await get('/api/blockchain')).body
    expect(body).toBe(encodeBlock(api.ledger.lastBlock()) + '\n')
    if (mode === 'enforce') expect(body).toContain(`"Owner":"${api.node.peerId}"`)
  })

  it('double-encodes ledger values, with null for a missing bucket and "" for a missing key', async () => {
    expect((await get('/api/ledger/tests')).body).toBe('{"html":"\\"\\\\u003c\\\\u0026\\\\u003e\\"","k":"\\"done\\""}\n')
    expect((await get('/api/ledger/tests/k')).body).toBe('"\\"done\\""\n')
    expect((await get('/api/ledger/tests/nope')).body).toBe('""\n')
    expect((await get('/api/ledger/nope')).body).toBe('null\n')
    const all = JSON.parse((await get('/api/ledger')).body) as Record<string, Record<string, string>>
    expect(Object.keys(all)).toEqual(['dns', 'files', 'healthcheck', 'machines', 'services', 'tests', 'users'])
    expect(all.tests.k).toBe('"done"')
  })

  it('stores PUT values as JSON strings after answering {"State":"Announcing"}, decoding the path like Echo', async () => {
    const put = await rawRequest(api.address, 'PUT', '/api/ledger/put-test/plain/hello')
    expect(put.status).toBe(200)
    expect(put.body).toBe('{"State":"Announcing"}\n')
    expect((await rawRequest(api.address, 'PUT', '/api/ledger/put-test/with%2Fslash/a%2Fb%20c%3F')).status).toBe(200)
    await expect.poll(async () => (await get('/api/ledger/put-test')).body, { timeout: 15_000 })
      .toBe('{"plain":"\\"hello\\"","with/slash":"\\"a/b c?\\""}\n')
    expect((await get('/api/ledger/put-test/with%2Fslash')).body).toBe('"\\"a/b c?\\""\n')
  })

  it('deletes a key and a bucket asynchronously', async () => {
    await api.ledger.put('del-test', 'x', 1)
    await api.ledger.put('del-test', 'y', 2)
    expect((await rawRequest(api.address, 'DELETE', '/api/ledger/del-test/x')).body).toBe('{"State":"Announcing"}\n')
    await expect.poll(async () => (await get('/api/ledger/del-test')).body, { timeout: 15_000 }).toBe('{"y":"2"}\n')
    expect((await rawRequest(api.address, 'DELETE', '/api/ledger/del-test')).body).toBe('{"State":"Announcing"}\n')
    await expect.poll(async () => (await get('/api/ledger/del-test')).body, { timeout: 15_000 }).toBe('null\n')
  })

  it('lists DNS records by mnemonic and announces POSTed ones', async () => {
    expect((await get('/api/dns')).body).toBe('[{"Regex":"example.","Records":{"A":"10.1.0.1","AAAA":"fd00::1"}}]\n')
    const post = await rawRequest(api.address, 'POST', '/api/dns', {
      headers: { 'Content-Type': 'application/json' },
      body: '{"Regex":"test.foo.","Records":{"A":"2.2.2.2"}}'
    })
    expect(post.body).toBe('{"State":"Announcing"}\n')
    await expect.poll(async () => api.ledger.getRaw('dns', 'test.foo.'), { timeout: 15_000 }).toBe('{"1":"2.2.2.2"}')
  })

  it('reports metrics keyed by base58 peer ID and protocol ID, zeros for unknown ones', async () => {
    const stats = '{"TotalIn":1500,"TotalOut":3000,"RateIn":12.5,"RateOut":0}'
    expect((await get('/api/metrics')).body).toBe(stats + '\n')
    expect((await get('/api/metrics/peer')).body).toBe(`{"${a}":${stats}}\n`)
    expect((await get(`/api/metrics/peer/${a}`)).body).toBe(stats + '\n')
    expect((await get(`/api/metrics/peer/${b}`)).body).toBe('{"TotalIn":0,"TotalOut":0,"RateIn":0,"RateOut":0}\n')
    expect((await get('/api/metrics/peer/not-a-peer')).status).toBe(400)
    expect((await get('/api/metrics/protocol/%2Fedgevpn%2F0.1')).body).toBe(stats + '\n')
  })

  it('shows the peer table on /api/peers', async () => {
    expect((await get('/api/peers')).body).toBe(
      `[{"id":"${a}","discoveredVia":"mdns","connected":true,"link":"direct","path":"direct: hole-punched","remoteAddr":"/ip4/127.0.0.1/tcp/4001","latencyMs":3,"bytesIn":1500,"bytesOut":42,"firstSeen":1000,"lastSeen":2000}]\n`)
  })

  it('answers 404, 405 and the / redirect like Echo', async () => {
    expect(await get('/api/nothing')).toMatchObject({ status: 404, body: '{"message":"Not Found"}\n' })
    expect(await get('/apiary')).toMatchObject({ status: 404, body: '{"message":"Not Found"}\n' })
    const notAllowed = await rawRequest(api.address, 'POST', '/api/summary')
    expect(notAllowed).toMatchObject({ status: 405, body: '{"message":"Method Not Allowed"}\n' })
    expect(notAllowed.headers.allow).toBe('GET')
    const redirect = await get('/')
    expect(redirect.status).toBe(301)
    expect(redirect.headers.location).toBe('/app')
  })

  it('answers 500 and logs the cause when the ledger topic is not joined', async () => {
    const topic = api.node.topic
    api.node.topic = undefined
    try {
      for (const path of ['/api/summary', '/api/machines', '/api/nodes']) {
        expect(await get(path)).toMatchObject({ status: 500, body: '{"message":"Internal Server Error"}\n' })
      }
      expect(api.logs.some(line => line.includes('ledger topic not joined'))).toBe(true)
    } finally {
      api.node.topic = topic
    }
  })
})
