import { createSocket } from 'node:dgram'
import { execFile } from 'node:child_process'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import type { Socket as UdpSocket } from 'node:dgram'
import type { AddressInfo, Server } from 'node:net'
import { encodeToken, generateNetworkConfig } from '@edgevpn/mesh-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bindFailure, failedListenMaddr } from '../src/cli/listen-errors.js'

const EDGEVPN = fileURLToPath(new URL('../dist/cli/edgevpn.js', import.meta.url))
const run = promisify(execFile)
const TOKEN = encodeToken(generateNetworkConfig())

/** Runs the built CLI; returns its exit status and the stderr lines that are not JSON logs. */
async function edgevpn (args: string[]): Promise<{ code: number, lines: string[] }> {
  const env = { PATH: process.env.PATH ?? '', HOME: '/tmp', EDGEVPNTOKEN: TOKEN }
  let code = 0
  let stderr: string
  try {
    stderr = (await run(process.execPath, [EDGEVPN, ...args, '--dht=false'], { env, timeout: 30_000 })).stderr
  } catch (err) {
    code = (err as { code: number }).code
    stderr = (err as { stderr: string }).stderr
  }
  return { code, lines: stderr.split('\n').filter(line => line !== '' && !line.startsWith('{')) }
}

describe('bind failures, named after the flag', () => {
  it('says what each failure means and leaves other errors alone', () => {
    const listener = { flag: '--dns', address: '10.9.9.9:53', protocols: ['udp'] as const, port: 53 }
    expect(bindFailure(listener, Object.assign(new Error('bind EACCES 10.9.9.9:53'), { code: 'EACCES' }))).toBe('--dns 10.9.9.9:53: permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE)')
    expect(bindFailure(listener, new Error('API listen on x', { cause: Object.assign(new Error('listen'), { code: 'EADDRNOTAVAIL' }) }))).toBe('--dns 10.9.9.9:53: no interface of this host has that address')
    expect(bindFailure(listener, new Error('connect ECONNREFUSED'))).toBeUndefined()
  })

  it("finds the address in libp2p's listen error", () => {
    const err = new Error('Some configured addresses failed to be listened on, you may need to remove one ...:\n\n  /ip4/127.0.0.1/tcp/4001: Error: listen EADDRINUSE: address already in use 127.0.0.1:4001\n      at Server.setupListenHandle')
    expect(failedListenMaddr(err)).toEqual({ flag: '--listen-maddrs', address: '/ip4/127.0.0.1/tcp/4001', protocols: ['tcp'], port: 4001 })
    expect(failedListenMaddr(new Error('other'))).toBeUndefined()
  })
})

describe('edgevpn on a busy port', () => {
  let tcp: Server
  let udp: UdpSocket
  let tcpPort: number
  let udpPort: number

  beforeAll(async () => {
    tcp = createServer()
    await new Promise<void>(resolve => { tcp.listen(0, '127.0.0.1', resolve) })
    tcpPort = (tcp.address() as AddressInfo).port
    udp = createSocket('udp4')
    await new Promise<void>(resolve => { udp.bind(0, '127.0.0.1', resolve) })
    udpPort = udp.address().port
  })

  afterAll(async () => {
    await new Promise(resolve => { tcp.close(resolve) })
    udp.close()
  })

  const holder = (): RegExp => new RegExp(`the port is in use by [^;]* \\(pid ${process.pid}\\); pick another address or stop what holds it$`)

  it.each([
    ['dns --listen', () => ['dns', '--listen', `127.0.0.1:${udpPort}`, '--mdns=false'], () => `--listen 127.0.0.1:${udpPort}`],
    ['api --listen', () => ['api', '--listen', `127.0.0.1:${tcpPort}`, '--mdns=false'], () => `--listen 127.0.0.1:${tcpPort}`],
    ['--listen-maddrs', () => ['start', '--listen-maddrs', `/ip4/127.0.0.1/tcp/${tcpPort}`, '--mdns=false'], () => `--listen-maddrs /ip4/127.0.0.1/tcp/${tcpPort}`]
  ])('%s: exits 1 with one line naming the flag, the address and the process that holds it', async (_, args, where) => {
    const { code, lines } = await edgevpn(args())
    expect(code).toBe(1)
    expect(lines).toHaveLength(1)
    expect(lines[0].startsWith(`edgevpn: ${where()}: `), lines[0]).toBe(true)
    expect(lines[0]).toMatch(holder())
  })

  it("names the daemon's own mDNS as what holds 5353", async () => {
    const { code, lines } = await edgevpn(['dns', '--listen', '127.0.0.1:5353', '--mdns=true'])
    expect(code).toBe(1)
    expect(lines).toEqual(['edgevpn: --listen 127.0.0.1:5353: the port is in use by this edgevpn itself, for mDNS discovery (--mdns=false frees it); pick another address or stop what holds it'])
  })
})
