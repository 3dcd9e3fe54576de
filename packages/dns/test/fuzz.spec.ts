import { seededRandom } from '@edgevpn/test/support/random'
import { createSocket } from 'node:dgram'
import { connect } from 'node:net'
import { Ledger } from '@edgevpn/ledger'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDnsServer, putDnsRecord } from '../src/index.js'
import { dns2Query, queryBytes, startUpstream } from './helpers.js'
import type { DnsServer } from '../src/index.js'
import type { Upstream } from './helpers.js'

const DURATION_MS = 4000
const SEED = Number(process.env.DNS_FUZZ_SEED ?? Date.now() % 0x7fffffff)


const random = seededRandom(SEED)
const int = (below: number): number => Math.floor(random() * below)
const bytes = (length: number): Buffer => Buffer.from(Array.from({ length }, () => int(256)))

const TYPES = [1, 2, 5, 6, 12, 15, 16, 28, 33, 41, 251, 252, 255, 65535]

/** A valid query, then damaged in one of the ways attackers and broken clients do. */
function mutatedQuery (): Buffer {
  const labels = Array.from({ length: 1 + int(4) }, () => bytes(1 + int(20)).toString('hex').slice(0, 1 + int(30)))
  const query = Buffer.from(queryBytes(`${labels.join('.')}.fuzz.`, TYPES[int(TYPES.length)] as number, int(0x10000)))
  switch (int(8)) {
    case 0: return query.subarray(0, int(query.length))
    case 1: { // flip bits
      for (let i = 0; i < 1 + int(4); i++) query[int(query.length)] ^= 1 << int(8)
      return query
    }
    case 2: { // counts claim more records than present
      query.writeUInt16BE(int(0x10000), 4 + 2 * int(4))
      return query
    }
    case 3: { // compression pointer at or after itself
      query.writeUInt16BE(0xc000 | (12 + int(query.length)), 12)
      return query
    }
    case 4: { // opcode and flags
      query[2] = int(256)
      return query
    }
    case 5: return Buffer.concat([query, bytes(int(64))])
    case 6: { // label longer than what follows, or reserved label types
      query[12] = [0x40, 0x80, 0x3f, 0xff][int(4)] as number
      return query
    }
    default: return query
  }
}

describe('fuzzing', () => {
  let upstream: Upstream
  let server: DnsServer
  const ledger = new Ledger()

  beforeAll(async () => {
    upstream = await startUpstream(() => ({ rcode: 3 }))
    await putDnsRecord(ledger, '^valid\\.example\\.$', { A: '10.1.0.14' })
    server = createDnsServer({ ledger, listen: '127.0.0.1:0', upstreams: [`127.0.0.1:${upstream.port}`], cacheSize: 50, upstreamTimeoutMs: 500 })
    await server.start()
  })

  afterAll(async () => {
    await server.stop()
    await upstream.close()
  })

  it(`survives random and mutated packets while answering valid queries (seed ${SEED})`, async () => {
    const { port } = server.address
    const fuzzer = createSocket('udp4')
    await new Promise<void>(resolve => { fuzzer.bind(0, '127.0.0.1', resolve) })
    fuzzer.on('message', () => {})
    const tcpClients = new Set<ReturnType<typeof connect>>()
    const failures: string[] = []
    let resolved = 0
    let sent = 0

    // warm up, then measure memory while the server is under fire
    await dns2Query(port, 'valid.example', 'A')
    const heapBefore = process.memoryUsage().heapUsed
    const end = Date.now() + DURATION_MS

    const udpFlood = (async () => {
      while (Date.now() < end) {
        for (let i = 0; i < 40; i++) {
          const packet = random() < 0.3 ? bytes(int(600)) : mutatedQuery()
          fuzzer.send(packet, port, '127.0.0.1')
          sent++
        }
        await new Promise(resolve => setTimeout(resolve, 5))
      }
    })()
    const tcpGarbage = (async () => {
      while (Date.now() < end) {
        const socket = connect(port, '127.0.0.1')
        tcpClients.add(socket)
        socket.on('error', () => {})
        socket.on('close', () => tcpClients.delete(socket))
        const query = mutatedQuery()
        const framed = random() < 0.5 ? Buffer.concat([Buffer.from([query.length >> 8, query.length & 0xff]), query]) : bytes(int(300))
        socket.write(framed)
        setTimeout(() => socket.destroy(), int(300))
        await new Promise(resolve => setTimeout(resolve, 40))
      }
    })()
    const resolver = (async () => {
      while (Date.now() < end) {
        try {
          const reply = await dns2Query(port, 'valid.example', 'A')
          const address = reply.answers[0]?.address
          if (address === '10.1.0.14') resolved++
          else failures.push(`unexpected answer ${JSON.stringify(reply.answers)}`)
        } catch (err) {
          failures.push((err as Error).message)
        }
        await new Promise(resolve => setTimeout(resolve, 50))
      }
    })()
    await Promise.all([udpFlood, tcpGarbage, resolver])
    for (const socket of tcpClients) socket.destroy()
    fuzzer.close()

    const heapAfter = process.memoryUsage().heapUsed
    expect(failures).toEqual([])
    expect(resolved).toBeGreaterThan(10)
    expect((await dns2Query(port, 'valid.example', 'A')).answers[0]?.address).toBe('10.1.0.14')
    const stats = server.stats
    expect(stats.queries).toBeGreaterThan(sent / 4)
    expect(stats.formatErrors + stats.dropped).toBeGreaterThan(0)
    // the cache, pending forwards and TCP buffers are bounded: no growth with the packet count
    expect(heapAfter - heapBefore).toBeLessThan(64 * 1024 * 1024)
  })
})
