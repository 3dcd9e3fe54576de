import { request } from 'node:http'
import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rawRequest, startApi } from './api-helpers.js'
import type { ApiFixture, RawResponse } from './api-helpers.js'

const TWO_MIB = 2 * 1024 * 1024

describe('API with bad input', () => {
  let api: ApiFixture
  let port: number

  beforeAll(async () => {
    api = await startApi('off', '127.0.0.1:0', { headersTimeoutMs: 1_000, requestTimeoutMs: 2_000 })
    port = Number(api.address.split(':')[1])
  })

  afterAll(async () => {
    await api?.stop()
  })

  const postDns = async (body: string | Buffer, headers: Record<string, string> = { 'Content-Type': 'application/json' }): Promise<RawResponse> =>
    rawRequest(api.address, 'POST', '/api/dns', { body, headers })

  async function stillServing (): Promise<void> {
    expect((await rawRequest(api.address, 'GET', '/api/ledger/none')).body).toBe('null\n')
  }

  it('refuses malformed DNS bodies with a 400 naming the problem', async () => {
    const cases: Array<[string, RegExp]> = [
      ['{"Regex":', /invalid JSON at offset/],
      ['', /request body is empty/],
      ['[1,2]', /must be a JSON object, got an array/],
      ['{"Records":{"A":"1.2.3.4"}}', /Regex must be a non-empty string/],
      ['{"Regex":5}', /Regex must be a non-empty string/],
      ['{"Regex":"a.","Records":["A"]}', /Records must be an object, got an array/],
      ['{"Regex":"a.","Records":{"A":1}}', /Records.A must be a string, got a number/]
    ]
    for (const [body, message] of cases) {
      const response = await postDns(body)
      expect(response.status, body).toBe(400)
      expect((JSON.parse(response.body) as { message: string }).message).toMatch(message)
    }
    expect((await postDns('{}', { 'Content-Type': 'text/plain' })).status).toBe(415)
    // names match case-insensitively, as Go's decoder does
    expect((await postDns('{"regex":"ok.","RECORDS":{"A":"1.1.1.1"}}')).body).toBe('{"State":"Announcing"}\n')
    await expect.poll(() => api.ledger.getRaw('dns', 'ok.'), { timeout: 15_000 }).toBe('{"1":"1.1.1.1"}')
  })

  it('refuses a 2 MiB body with 413, declared or chunked, and keeps serving', async () => {
    const declared = await postDns(Buffer.alloc(TWO_MIB, 0x20))
    expect(declared).toMatchObject({ status: 413, body: '{"message":"request body larger than 1048576 bytes"}\n' })
    const chunked = await new Promise<RawResponse>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, agent: false, method: 'POST', path: '/api/dns', headers: { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' } }, res => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () => { resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }) })
      })
      req.on('error', reject)
      for (let i = 0; i < 32; i++) req.write(Buffer.alloc(TWO_MIB / 32, 0x20))
      req.end()
    })
    expect(chunked.status).toBe(413)
    // Node's client frames a GET body only with an explicit Content-Length
    const get = await rawRequest(api.address, 'GET', '/api/summary', { body: Buffer.alloc(TWO_MIB), headers: { 'Content-Length': String(TWO_MIB) } })
    expect(get.status).toBe(413)
    await stillServing()
  })

  it("takes request lines up to Go's 1 MiB of headers (a kubeconfig in the URL), and refuses more with 431", async () => {
    const value = 'k'.repeat(24 * 1024)
    expect((await rawRequest(api.address, 'PUT', `/api/ledger/kairos/kubeconfig/${value}`)).status).toBe(200)
    await expect.poll(() => api.ledger.getRaw('kairos', 'kubeconfig'), { timeout: 15_000 }).toBe(JSON.stringify(value))
    // Node answers 431 and closes at once: the client may see the reset before the answer
    const refused = await rawRequest(api.address, 'PUT', `/api/ledger/kairos/huge/${'k'.repeat(1100 * 1024)}`).then(response => response.status, (err: NodeJS.ErrnoException) => err.code)
    expect(['431', 'ECONNRESET', 'EPIPE']).toContain(String(refused))
    expect(api.ledger.getRaw('kairos', 'huge')).toBeUndefined()
    await stillServing()
  })

  it('answers 400 to malformed percent escapes', async () => {
    for (const path of ['/api/ledger/%zz', '/api/ledger/b/%', '/api/ledger/b/k/%4']) {
      const response = await rawRequest(api.address, 'GET', path)
      expect(response.status, path).toBe(400)
      expect(response.body).toMatch(/invalid URL escape/)
    }
    // escapes of bytes that are not UTF-8 decode to U+FFFD, as Go's JSON encoder writes them
    expect((await rawRequest(api.address, 'PUT', '/api/ledger/bytes/k/%ff%fe')).status).toBe(200)
    await expect.poll(() => api.ledger.getRaw('bytes', 'k'), { timeout: 15_000 }).toBe('"\ufffd\ufffd"')
  })

  it('cuts off a client that never finishes its headers', async () => {
    const socket = connect(port, '127.0.0.1')
    let received = ''
    socket.on('data', chunk => { received += chunk.toString() })
    socket.on('error', () => {})
    socket.write('GET /api/summary HTTP/1.1\r\nHost: x\r\n')
    await new Promise(resolve => socket.once('close', resolve))
    expect(received).toMatch(/^HTTP\/1\.1 408/)
    await stillServing()
  }, 30_000)

  it('answers garbage on the wire with 400 and keeps serving', async () => {
    const socket = connect(port, '127.0.0.1')
    let received = ''
    socket.on('data', chunk => { received += chunk.toString() })
    socket.on('error', () => {})
    socket.write('\x00\x01 not http at all\r\n\r\n')
    await new Promise(resolve => socket.once('close', resolve))
    expect(received).toMatch(/^HTTP\/1\.1 400/)
    await stillServing()
  })
})
