/**
 * HTTP egress end to end with real `edgevpn` processes (built CLI: run `npx tsc -b` first) in
 * network namespaces: host 1 runs the VPN with `--egress` and an origin HTTP server on its
 * underlay address, host 2 runs `edgevpn proxy`; clients inside host 2 use the proxy.
 */
import { spawn } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encodeToken, generateNetworkConfig } from '@edgevpn/mesh-core'
import { tunUnavailableReason } from '@edgevpn/tun'
import { EDGEVPN_CLI, LabDaemon, waitFor, createNetnsLab, netnsUnavailableReason } from '@edgevpn/testbed'
import type { LabHost, NetnsLab } from '@edgevpn/testbed'

const skipReason = netnsUnavailableReason() ?? tunUnavailableReason()
const PROXY = '127.0.0.1:8888'
const ORIGIN_PORT = 8090

/** Answers every request with what it received, as JSON. */
const ORIGIN_SCRIPT = `
import { createServer } from 'node:http'
createServer((req, res) => {
  const chunks = []
  req.on('data', chunk => chunks.push(chunk))
  req.on('end', () => {
    const body = JSON.stringify({ method: req.method, url: req.url, host: req.headers.host, body: Buffer.concat(chunks).toString() })
    res.writeHead(200, { 'content-type': 'application/json', 'x-origin': 'yes' }).end(body)
  })
}).listen(Number(process.argv[2]), process.argv[1], () => { process.stdout.write('listening\\n') })
`

/** A request through the proxy (absolute URI), from inside a namespace. */
const PROXY_REQUEST_SCRIPT = `
import { request } from 'node:http'
const [proxy, method, url, body] = process.argv.slice(1)
const [host, port] = proxy.split(':')
const req = request({ host, port: Number(port), method, path: url, headers: { host: new URL(url).host } }, res => {
  const chunks = []
  res.on('data', chunk => chunks.push(chunk))
  res.on('end', () => process.stdout.write(JSON.stringify({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString() })))
})
req.on('error', err => process.stdout.write(JSON.stringify({ status: 0, error: err.message })))
req.end(body === '' ? undefined : body)
`

/** A CONNECT tunnel through the proxy carrying a raw HTTP exchange, from inside a namespace. */
const CONNECT_SCRIPT = `
import { request } from 'node:http'
const [proxy, target, payload] = process.argv.slice(1)
const [host, port] = proxy.split(':')
const req = request({ host, port: Number(port), method: 'CONNECT', path: target })
req.on('connect', (res, socket, head) => {
  const chunks = [head]
  socket.on('data', chunk => chunks.push(chunk))
  socket.on('end', () => process.stdout.write(JSON.stringify({ status: res.statusCode, received: Buffer.concat(chunks).toString() })))
  socket.write(payload)
})
req.on('error', err => process.stdout.write(JSON.stringify({ status: 0, error: err.message })))
req.end()
`

interface ProxyAnswer { status: number, headers?: Record<string, string>, body?: string, error?: string }

async function nodeScript<T> (lab: NetnsLab, host: LabHost, script: string, args: string[]): Promise<T> {
  return JSON.parse(await lab.exec(host, process.execPath, ['--input-type=module', '-e', script, ...args])) as T
}

describe.skipIf(skipReason !== undefined)('egress and proxy in network namespaces', () => {
  let lab: NetnsLab
  let egressHost: LabHost
  let clientHost: LabHost
  let origin: string
  const daemons: LabDaemon[] = []
  const token = encodeToken(generateNetworkConfig({ interval: 360n }))

  const common = (host: LabHost): string[] => ['--token', token,
    '--listen-maddrs', `/ip4/${host.address}/tcp/0`,
    '--dht=false',
    '--ledger-announce-interval', '2',
    '--ledger-synchronization-interval', '2',
    '--aliveness-healthcheck-interval', '2',
    '--log-level', 'debug']

  const throughProxy = async (method: string, url: string, body: string = ''): Promise<ProxyAnswer> =>
    await nodeScript<ProxyAnswer>(lab, clientHost, PROXY_REQUEST_SCRIPT, [PROXY, method, url, body])

  beforeAll(async () => {
    lab = await createNetnsLab({ prefix: 'evtegr', hosts: 2 })
    ;[egressHost, clientHost] = lab.hosts
    origin = `${egressHost.address}:${ORIGIN_PORT}`
    const server = lab.spawn(egressHost, process.execPath, ['--input-type=module', '-e', ORIGIN_SCRIPT, egressHost.address, String(ORIGIN_PORT)])
    await new Promise<void>((resolve, reject) => {
      server.stdout?.once('data', () => { resolve() })
      server.once('exit', code => { reject(new Error(`origin server exited with ${String(code)}`)) })
    })
    const proxy = new LabDaemon(lab, clientHost, { name: 'proxy', args: ['proxy', ...common(clientHost), '--listen', PROXY, '--interval', '2'] })
    daemons.push(proxy)
    await proxy.waitForLog(record => record.message === 'proxy listening')
  }, 60_000)

  afterAll(async () => {
    await Promise.all(daemons.map(async daemon => { await daemon.stop() }))
    await lab?.destroy()
  })

  it('answers 503 with Go\'s text while no egress is known', async () => {
    const answer = await throughProxy('GET', `http://${origin}/`)
    expect(answer.status).toBe(503)
    expect(answer.body).toBe('no egress nodes available\n')
    expect(answer.headers?.['content-type']).toBe('text/plain; charset=utf-8')
  })

  it('forwards a plain HTTP request to the origin through the egress', async () => {
    const egress = new LabDaemon(lab, egressHost, {
      name: 'egress',
      args: [...common(egressHost), '--address', '10.1.0.1/24', '--egress', '--egress-announce-time', '2', '--egress-allow-private']
    })
    daemons.push(egress)
    await egress.waitForLog(record => record.message === 'egress started')

    const answer = await waitFor('a proxied answer other than 503', async () => {
      const attempt = await throughProxy('POST', `http://${origin}/hello?x=1`, 'ping body')
      return attempt.status === 503 ? undefined : attempt
    }, 60_000, 500)
    expect(answer.status).toBe(200)
    expect(answer.headers?.['x-origin']).toBe('yes')
    expect(JSON.parse(answer.body ?? '')).toEqual({ method: 'POST', url: '/hello?x=1', host: origin, body: 'ping body' })
  }, 90_000)

  it('carries a CONNECT tunnel both ways', async () => {
    const payload = `GET /through-tunnel HTTP/1.1\r\nHost: ${origin}\r\nConnection: close\r\n\r\n`
    const answer = await nodeScript<{ status: number, received?: string, error?: string }>(lab, clientHost, CONNECT_SCRIPT, [PROXY, origin, payload])
    expect(answer.status).toBe(200)
    expect(answer.received).toMatch(/^HTTP\/1\.1 200 OK\r\n/)
    expect(answer.received).toContain('"url":"/through-tunnel"')
  })

  it('refuses a CONNECT the egress cannot reach with an error status, not a hang', async () => {
    // nothing listens on port 1 of the egress host
    const answer = await nodeScript<{ status: number, error?: string }>(lab, clientHost, CONNECT_SCRIPT, [PROXY, `${egressHost.address}:1`, ''])
    expect(answer.status).toBe(502)
  })

  it('refuses --api-listen on the proxy\'s address at startup', async () => {
    const child = spawn(process.execPath, [EDGEVPN_CLI, 'proxy', '--api', '--listen', ':8081'], { stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
    const code = await new Promise<number | null>(resolve => child.once('close', resolve))
    expect(code).toBe(1)
    expect(stderr).toBe('edgevpn: --listen (":8081") and --api-listen ("127.0.0.1:8081") would bind the same address: give the API a different one\n')
  })
})
