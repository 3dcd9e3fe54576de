import { connect } from 'node:net'
import { Ledger } from '@edgevpn/ledger'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createDnsServer, putDnsRecord } from '../src/index.js'
import { decodeMessage, encodeMessage } from '../src/wire.js'
import { textToName } from '../src/names.js'
import { A, AAAA, TXT, dig, dns2Query, ensureDig, queryBytes, startSilentUpstream, startUpstream, udpExchange } from './helpers.js'
import type { DnsServer, DnsServerInit } from '../src/index.js'
import type { Upstream } from './helpers.js'
import type { TestContext } from 'vitest'

let digMissing: string | undefined
const cleanups: Array<() => Promise<void> | void> = []

beforeAll(() => { digMissing = ensureDig() })
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

function needDig (ctx: TestContext): void {
  if (digMissing !== undefined) ctx.skip(digMissing)
}

async function startServer (init: Omit<DnsServerInit, 'listen'>): Promise<DnsServer> {
  const server = createDnsServer({ listen: '127.0.0.1:0', ...init })
  await server.start()
  cleanups.push(async () => { await server.stop() })
  return server
}

async function upstream (...args: Parameters<typeof startUpstream>): Promise<Upstream> {
  const started = await startUpstream(...args)
  cleanups.push(started.close)
  return started
}

function machine (hostname: string, address: string): Record<string, string> {
  return { PeerID: '12D3KooWtest', Hostname: hostname, OS: 'linux', Arch: 'amd64', Address: address, Version: '' }
}

describe('records posted in the ledger', () => {
  let ledger: Ledger
  let port: number

  beforeAll(async () => {
    ledger = new Ledger()
    await putDnsRecord(ledger, '.*\\.foo\\.', {
      A: '10.1.0.5',
      AAAA: 'fd00::5',
      CNAME: 'target.foo.',
      TXT: '"hello world" v=1',
      SRV: '10 20 8080 web.foo.',
      MX: '5 mail.foo.'
    })
    await putDnsRecord(ledger, '^Mixed\\.Case\\.$', { A: '10.1.0.6' })
    // keys that Go skips: a lookahead (RE2 rejects it) and record text that does not parse
    await putDnsRecord(ledger, '(?=skip)^skipped\\.', { A: '10.9.9.9' })
    await putDnsRecord(ledger, '^bad-value\\.', { A: 'not-an-address' })
    await putDnsRecord(ledger, '^bad-value\\.example\\.$', { A: '10.1.0.8' })
    await putDnsRecord(ledger, '(?i)^ANY-CASE\\.', { A: '10.1.0.9' })
  })

  it('answers each record type from its zone text (dig)', async (ctx) => {
    needDig(ctx)
    port = (await startServer({ ledger, forward: false })).address.port
    expect((await dig(port, 'x.foo.', 'A')).answers).toEqual([['x.foo.', '3600', 'IN', 'A', '10.1.0.5']])
    expect((await dig(port, 'x.foo.', 'AAAA')).answers).toEqual([['x.foo.', '3600', 'IN', 'AAAA', 'fd00::5']])
    expect((await dig(port, 'x.foo.', 'CNAME')).answers).toEqual([['x.foo.', '3600', 'IN', 'CNAME', 'target.foo.']])
    expect((await dig(port, 'x.foo.', 'TXT')).answers).toEqual([['x.foo.', '3600', 'IN', 'TXT', '"hello', 'world"', '"v=1"']])
    expect((await dig(port, 'x.foo.', 'SRV')).answers).toEqual([['x.foo.', '3600', 'IN', 'SRV', '10', '20', '8080', 'web.foo.']])
    expect((await dig(port, 'x.foo.', 'MX')).answers).toEqual([['x.foo.', '3600', 'IN', 'MX', '5', 'mail.foo.']])
  })

  it('matches regexes unanchored on the name as received, case included', async (ctx) => {
    needDig(ctx)
    port = (await startServer({ ledger, forward: false })).address.port
    expect((await dig(port, 'deep.sub.foo.', 'A')).answers[0]?.[4]).toBe('10.1.0.5')
    expect((await dig(port, 'x.foo.bar.', 'A')).answers[0]?.[4]).toBe('10.1.0.5')
    const mixed = await dig(port, 'Mixed.Case.', 'A')
    expect(mixed.answers).toEqual([['Mixed.Case.', '3600', 'IN', 'A', '10.1.0.6']])
    expect((await dig(port, 'mixed.case.', 'A')).status).toBe('NXDOMAIN')
    expect((await dig(port, 'any-case.', 'A')).answers[0]?.[4]).toBe('10.1.0.9')
  })

  it('skips keys that are not RE2 and records whose text does not parse, like Go', async (ctx) => {
    needDig(ctx)
    port = (await startServer({ ledger, forward: false })).address.port
    expect((await dig(port, 'skipped.', 'A')).status).toBe('NXDOMAIN')
    expect((await dig(port, 'bad-value.example.', 'A')).answers[0]?.[4]).toBe('10.1.0.8')
  })

  it('answers NODATA for a matched name without that type and NXDOMAIN otherwise when not forwarding', async (ctx) => {
    needDig(ctx)
    port = (await startServer({ ledger, forward: false })).address.port
    const nodata = await dig(port, 'x.foo.', 'NS')
    expect(nodata.status).toBe('NOERROR')
    expect(nodata.answers).toEqual([])
    expect((await dig(port, 'nothing.example.', 'A')).status).toBe('NXDOMAIN')
  })

  it('answers the first question only and resolves with dns2 as a client', async () => {
    port = (await startServer({ ledger, forward: false })).address.port
    const reply = await dns2Query(port, 'x.foo.', 'A')
    expect(reply.answers.map(a => a.address)).toEqual(['10.1.0.5'])

    const twoQuestions = encodeMessage({
      ...decodeMessage(queryBytes('x.foo.', A)),
      questions: [{ name: textToName('x.foo.'), type: A, class: 1 }, { name: textToName('Mixed.Case.'), type: A, class: 1 }]
    })
    const decoded = decodeMessage(await udpExchange(port, twoQuestions) as Buffer)
    expect(decoded.questions).toHaveLength(1)
    expect(decoded.answers.map(a => [...a.data])).toEqual([[10, 1, 0, 5]])
  })

  it('sees ledger changes on the next query', async () => {
    const local = new Ledger()
    port = (await startServer({ ledger: local, forward: false })).address.port
    expect((await dns2Query(port, 'late.example.', 'A')).header.rcode).toBe(3)
    await putDnsRecord(local, '^late\\.example\\.$', { A: '10.1.0.10' })
    expect((await dns2Query(port, 'late.example.', 'A')).answers.map(a => a.address)).toEqual(['10.1.0.10'])
    await local.delete('dns', '^late\\.example\\.$')
    expect((await dns2Query(port, 'late.example.', 'A')).header.rcode).toBe(3)
  })
})

describe('machine names', () => {
  it('answers <hostname>.edgevpn. from the machines bucket, and PTR for their addresses', async (ctx) => {
    needDig(ctx)
    const ledger = new Ledger()
    await ledger.put('machines', '10.1.0.7', machine('node-a', '10.1.0.7'))
    await ledger.put('machines', 'fd00::7', machine('node-b', 'fd00::7'))
    const { port } = (await startServer({ ledger, forward: false })).address

    expect((await dig(port, 'node-a.edgevpn.', 'A')).answers).toEqual([['node-a.edgevpn.', '60', 'IN', 'A', '10.1.0.7']])
    expect((await dig(port, 'NODE-A.edgevpn.', 'A')).answers[0]?.[4]).toBe('10.1.0.7')
    expect((await dig(port, 'node-b.edgevpn.', 'AAAA')).answers[0]?.[4]).toBe('fd00::7')
    const noV6 = await dig(port, 'node-a.edgevpn.', 'AAAA')
    expect([noV6.status, noV6.answers]).toEqual(['NOERROR', []])
    expect((await dig(port, 'missing.edgevpn.', 'A')).status).toBe('NXDOMAIN')

    expect((await dig(port, '-x', '10.1.0.7')).answers).toEqual([['7.0.1.10.in-addr.arpa.', '60', 'IN', 'PTR', 'node-a.edgevpn.']])
    expect((await dig(port, '-x', 'fd00::7')).answers[0]?.[4]).toBe('node-b.edgevpn.')
    expect((await dig(port, '-x', '10.1.0.99')).status).toBe('NXDOMAIN')
  })

  it('uses machineDomain', async () => {
    const ledger = new Ledger()
    await ledger.put('machines', '10.1.0.7', machine('node-a', '10.1.0.7'))
    const { port } = (await startServer({ ledger, forward: false, machineDomain: 'mesh.internal' })).address
    expect((await dns2Query(port, 'node-a.mesh.internal', 'A')).answers.map(a => a.address)).toEqual(['10.1.0.7'])
    expect((await dns2Query(port, 'node-a.edgevpn', 'A')).header.rcode).toBe(3)
  })
})

describe('forwarding', () => {
  const ledger = new Ledger()

  it('forwards, caches until the TTL runs out and serves decremented TTLs', async (ctx) => {
    needDig(ctx)
    const up = await upstream((name) => name === 'example.test' ? { answers: [{ type: A, address: '192.0.2.1', ttl: 300 }] } : { rcode: 3 })
    let now = 1_000_000
    const { port } = (await startServer({ ledger, upstreams: [`127.0.0.1:${up.port}`], clock: () => now })).address

    expect((await dig(port, 'example.test.', 'A')).answers).toEqual([['example.test.', '300', 'IN', 'A', '192.0.2.1']])
    const second = await dig(port, 'Example.Test.', 'A')
    expect(second.answers).toEqual([['Example.Test.', '300', 'IN', 'A', '192.0.2.1']])
    expect(second.flags).toContain('ra')
    expect(up.questions).toHaveLength(1)

    now += 100_000
    expect((await dig(port, 'example.test.', 'A')).answers[0]?.[1]).toBe('200')
    expect(up.questions).toHaveLength(1)

    now += 201_000
    expect((await dig(port, 'example.test.', 'A')).answers[0]?.[1]).toBe('300')
    expect(up.questions).toHaveLength(2)
  })

  it('passes NXDOMAIN on and caches it for the SOA minimum', async (ctx) => {
    needDig(ctx)
    const soa = { name: 'test', type: 6, class: 1, ttl: 600, primary: 'ns.test', admin: 'admin.test', serial: 1, refresh: 60, retry: 60, expiration: 600, minimum: 5 }
    const up = await upstream(() => ({ rcode: 3, authorities: [soa] }))
    let now = 1_000_000
    const { port } = (await startServer({ ledger, upstreams: [`127.0.0.1:${up.port}`], clock: () => now })).address

    const first = await dig(port, 'nowhere.test.', 'A')
    expect(first.status).toBe('NXDOMAIN')
    expect(first.authorities[0]?.[3]).toBe('SOA')
    expect((await dig(port, 'nowhere.test.', 'A')).status).toBe('NXDOMAIN')
    expect(up.questions).toHaveLength(1)
    now += 6000
    expect((await dig(port, 'nowhere.test.', 'A')).status).toBe('NXDOMAIN')
    expect(up.questions).toHaveLength(2)
  })

  it('skips an upstream without records and asks the next one, like Go', async () => {
    const empty = await upstream(() => ({ rcode: 3 }))
    const full = await upstream(() => ({ answers: [{ type: A, address: '192.0.2.2' }] }))
    const { port } = (await startServer({ ledger, upstreams: [`127.0.0.1:${empty.port}`, `127.0.0.1:${full.port}`] })).address
    expect((await dns2Query(port, 'two.test', 'A')).answers.map(a => a.address)).toEqual(['192.0.2.2'])
    expect([empty.questions.length, full.questions.length]).toEqual([1, 1])
  })

  it('answers SERVFAIL within the timeout when the upstream never answers, then asks the next', async () => {
    const silent = await startSilentUpstream()
    cleanups.push(() => { silent.socket.close() })
    const timeoutMs = 400
    const lonely = await startServer({ ledger, upstreams: [`127.0.0.1:${silent.port}`], upstreamTimeoutMs: timeoutMs })
    const started = Date.now()
    const reply = await dns2Query(lonely.address.port, 'slow.test', 'A')
    expect(reply.header.rcode).toBe(2)
    expect(Date.now() - started).toBeLessThan(timeoutMs + 2000)
    expect(lonely.stats.serverFailures).toBe(1)

    const good = await upstream(() => ({ answers: [{ type: A, address: '192.0.2.3' }] }))
    const paired = await startServer({ ledger, upstreams: [`127.0.0.1:${silent.port}`, `127.0.0.1:${good.port}`], upstreamTimeoutMs: timeoutMs })
    expect((await dns2Query(paired.address.port, 'slow.test', 'A')).answers.map(a => a.address)).toEqual(['192.0.2.3'])
  })

  it('retries over TCP when the upstream truncates its UDP answer', async () => {
    const texts = Array.from({ length: 8 }, (_, i) => ({ type: TXT, data: `record ${i} `.padEnd(120, 'x') }))
    const up = await upstream(() => ({ truncateUdp: true, answers: texts }))
    const { port } = (await startServer({ ledger, upstreams: [`127.0.0.1:${up.port}`] })).address
    const reply = await udpExchange(port, queryBytes('big.test.', TXT))
    const message = decodeMessage(reply as Buffer)
    // the client did not use EDNS: the whole answer does not fit in 512 bytes, so we truncate too
    expect(message.header.tc).toBe(true)
    expect(up.questions.map(q => q.transport)).toEqual(['udp', 'tcp'])
  })

  it('leaves the ledger first: records and machines are never forwarded', async () => {
    const up = await upstream(() => ({ answers: [{ type: A, address: '192.0.2.9' }] }))
    const local = new Ledger()
    await putDnsRecord(local, '^mesh\\.example\\.$', { A: '10.1.0.5' })
    await local.put('machines', '10.1.0.7', machine('node-a', '10.1.0.7'))
    const { port } = (await startServer({ ledger: local, upstreams: [`127.0.0.1:${up.port}`] })).address
    expect((await dns2Query(port, 'mesh.example', 'A')).answers.map(a => a.address)).toEqual(['10.1.0.5'])
    expect((await dns2Query(port, 'node-a.edgevpn', 'A')).answers.map(a => a.address)).toEqual(['10.1.0.7'])
    expect((await dns2Query(port, 'nobody.edgevpn', 'A')).header.rcode).toBe(3)
    expect(up.questions).toEqual([])
  })
})

describe('TCP', () => {
  it('answers dig +tcp for ledger records and forwarded names', async (ctx) => {
    needDig(ctx)
    const ledger = new Ledger()
    await putDnsRecord(ledger, '^tcp\\.example\\.$', { A: '10.1.0.11' })
    const up = await upstream(() => ({ answers: [{ type: AAAA, address: '2001:db8::1' }] }))
    const server = await startServer({ ledger, upstreams: [`127.0.0.1:${up.port}`] })
    const { port } = server.address
    expect((await dig(port, '+tcp', 'tcp.example.', 'A')).answers).toEqual([['tcp.example.', '3600', 'IN', 'A', '10.1.0.11']])
    expect((await dig(port, '+tcp', 'v6.test.', 'AAAA')).answers[0]?.[4]).toBe('2001:db8::1')
  })

  it('answers pipelined queries on one connection, and bounds connections', async () => {
    const ledger = new Ledger()
    await putDnsRecord(ledger, '^p\\d\\.example\\.$', { A: '10.1.0.12' })
    const server = await startServer({ ledger, forward: false, maxTcpConnections: 2, tcpIdleTimeoutMs: 500 })
    const { port } = server.address
    const frames = [1, 2, 3].map(i => {
      const query = queryBytes(`p${i}.example.`, A, i)
      return Buffer.concat([Buffer.from([query.length >> 8, query.length & 0xff]), query])
    })
    const socket = connect(port, '127.0.0.1')
    socket.write(Buffer.concat(frames))
    const ids = await new Promise<number[]>((resolve) => {
      let buffered = Buffer.alloc(0)
      const seen: number[] = []
      socket.on('data', (chunk: Buffer) => {
        buffered = Buffer.concat([buffered, chunk])
        while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
          const end = 2 + buffered.readUInt16BE(0)
          seen.push(decodeMessage(buffered.subarray(2, end)).header.id)
          buffered = buffered.subarray(end)
        }
        if (seen.length === 3) resolve(seen)
      })
    })
    expect(ids.sort()).toEqual([1, 2, 3])
    // the idle connection is closed by the server
    await new Promise(resolve => socket.once('close', resolve))

    const open = [connect(port, '127.0.0.1'), connect(port, '127.0.0.1'), connect(port, '127.0.0.1')]
    cleanups.push(() => { for (const s of open) s.destroy() })
    await Promise.all(open.map(async s => new Promise(resolve => s.once('connect', resolve))))
    await new Promise(resolve => open[2]?.once('close', resolve))
    expect(server.stats.tcpConnectionsRefused).toBeGreaterThanOrEqual(1)
  })
})

describe('bad input', () => {
  it('drops, FORMERRs or NOTIMPs malformed queries and keeps answering', async () => {
    const ledger = new Ledger()
    await putDnsRecord(ledger, '^ok\\.example\\.$', { A: '10.1.0.13' })
    const server = await startServer({ ledger, forward: false })
    const { port } = server.address
    const valid = queryBytes('ok.example.', A)

    expect(await udpExchange(port, valid.subarray(0, 7), 300)).toBeUndefined()

    const loop = Buffer.from(valid)
    loop.writeUInt16BE(0xc00c, 12) // the question name points at itself
    expect(decodeMessage((await udpExchange(port, loop.subarray(0, 18))) as Buffer).header.rcode).toBe(1)

    const long = Buffer.concat([valid.subarray(0, 12), Buffer.from(Array.from({ length: 5 }, () => [63, ...new Array<number>(63).fill(0x61)]).flat()), Buffer.from([0, 0, 1, 0, 1])])
    expect(decodeMessage((await udpExchange(port, long)) as Buffer).header.rcode).toBe(1)

    const status = Buffer.from(valid)
    status[2] = ((status[2] as number) & 0x87) | (2 << 3) // opcode STATUS
    expect(decodeMessage((await udpExchange(port, status)) as Buffer).header.rcode).toBe(4)

    const response = Buffer.from(valid)
    response[2] = (response[2] as number) | 0x80
    expect(await udpExchange(port, response, 300)).toBeUndefined()

    const answer = decodeMessage((await udpExchange(port, valid)) as Buffer)
    expect(answer.answers.map(a => [...a.data])).toEqual([[10, 1, 0, 13]])
    expect(server.stats).toMatchObject({ dropped: 2, formatErrors: 2, notImplemented: 1, local: 1 })
  })

  it('closes TCP connections announcing oversized messages', async () => {
    const server = await startServer({ ledger: new Ledger(), forward: false })
    const socket = connect(server.address.port, '127.0.0.1')
    cleanups.push(() => { socket.destroy() })
    socket.write(Buffer.from([0xff, 0xff, 1, 2, 3]))
    await new Promise(resolve => socket.once('close', resolve))
    expect(server.stats.tcpConnectionsRefused).toBe(1)
  })
})
