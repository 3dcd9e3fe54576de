/**
 * `service-add`/`service-connect` and `file-send`/`file-receive` as Go edgevpn's CI runs them
 * (spec §12.1), with real `edgevpn` daemons in two network namespaces that find each other with
 * mDNS: an HTTP server and a TCP echo server on host 1 are reached from host 2 through the
 * tunnels, and a 5 MiB file goes from host 1 to host 2. Plus the commands' argument errors.
 *
 * Spawned daemons run the BUILT CLI: `npx tsc -b` first.
 */
import { execFile } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { encodeToken, generateNetworkConfig } from '@edgevpn/mesh-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createNetnsLab, netnsUnavailableReason, EDGEVPN_CLI, LabDaemon, labApiRequest, waitFor } from '@edgevpn/testbed'
import type { LabHost, NetnsLab } from '@edgevpn/testbed'
import type { ChildProcess } from 'node:child_process'

const run = promisify(execFile)
const skipReason = netnsUnavailableReason()
const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex')

/** Servers on host 1's loopback: HTTP on 8080, TCP echo on 7000. */
const SERVERS = `
import http from 'node:http'
import net from 'node:net'
let up = 0
const ready = () => { if (++up === 2) console.log('listening') }
http.createServer((req, res) => res.end('hello from host 1')).listen(8080, '127.0.0.1', ready)
net.createServer(socket => { socket.on('error', () => {}); socket.pipe(socket) }).listen(7000, '127.0.0.1', ready)
`

/** Sends N random bytes to 127.0.0.1:PORT and reads the echo; prints the hashes of both. */
const ECHO_CLIENT = `
import { createHash, randomBytes } from 'node:crypto'
import net from 'node:net'
const [port, size] = process.argv.slice(1).map(Number)
const payload = randomBytes(size)
const received = createHash('sha256')
let count = 0
const socket = net.connect(port, '127.0.0.1', () => socket.write(payload))
// refused or cut while the tunnel comes up: the count on close says so
socket.on('error', () => {})
socket.on('data', chunk => {
  received.update(chunk)
  count += chunk.length
  if (count >= size) socket.end()
})
socket.on('close', () => {
  console.log(JSON.stringify({ sent: createHash('sha256').update(payload).digest('hex'), received: received.digest('hex'), count }))
})
`

describe.skipIf(skipReason !== undefined)('services and files between daemons in network namespaces', () => {
  let lab: NetnsLab
  let dir: string
  const token = encodeToken(generateNetworkConfig({ interval: 360n }))

  beforeAll(async () => {
    lab = await createNetnsLab({ prefix: 'evtsvc', hosts: 2, subnet: '10.254.31' })
    dir = await mkdtemp(join(tmpdir(), 'evt-svc-'))
  })

  afterAll(async () => {
    await lab?.destroy()
    if (dir !== undefined) await rm(dir, { recursive: true, force: true })
  })

  function daemon (host: LabHost, name: string, args: string[], onLine?: (line: string) => void): LabDaemon {
    return new LabDaemon(lab, host, {
      name,
      onLine,
      args: [...args, '--token', token, '--listen-maddrs', `/ip4/${host.address}/tcp/0`, '--dht=false',
        '--ledger-announce-interval', '2', '--ledger-synchronization-interval', '2', '--log-level', 'info']
    })
  }

  async function startServers (host: LabHost): Promise<ChildProcess> {
    const child = lab.spawn(host, process.execPath, ['--input-type=module', '-e', SERVERS], { stdio: ['ignore', 'pipe', 'inherit'] })
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on('data', (chunk: Buffer) => { if (chunk.toString().includes('listening')) resolve() })
      child.once('exit', code => { reject(new Error(`test servers exited with ${code}`)) })
    })
    return child
  }

  it('tunnels HTTP and a 10 MiB echo from host 2 to services on host 1', async () => {
    const [one, two] = lab.hosts
    const servers = await startServers(one)
    const daemons = [
      daemon(one, 'web-exposer', ['service-add', 'testservice', '127.0.0.1:8080']),
      daemon(one, 'echo-exposer', ['service-add', '--name', 'echo', '--address', '127.0.0.1:7000']),
      daemon(two, 'web-connector', ['service-connect', 'testservice', '127.0.0.1:9090']),
      daemon(two, 'echo-connector', ['service-connect', 'echo', ':9091'])
    ]
    try {
      const page = await waitFor('the web page through the tunnel', async () => {
        const response = await labApiRequest(lab, two, 'GET', '/', undefined, '127.0.0.1:9090').catch(() => undefined)
        return response?.status === 200 ? response.body : undefined
      }, 90_000, 1000)
      expect(page).toBe('hello from host 1')

      const size = 10 * 1024 * 1024
      const echo = await waitFor('the echo through the tunnel', async () => {
        const out = await lab.exec(two, process.execPath, ['--input-type=module', '-e', ECHO_CLIENT, '9091', String(size)])
        const result = JSON.parse(out) as { sent: string, received: string, count: number }
        return result.count === size ? result : undefined
      }, 60_000, 1000)
      expect(echo.received).toBe(echo.sent)

      // the port is taken by web-connector: a second listener fails with one line
      const clashLines: string[] = []
      const clash = daemon(two, 'clash', ['service-connect', 'other', '127.0.0.1:9090'], line => clashLines.push(line))
      expect(await clash.exited).toBe(1)
      expect(clashLines.filter(line => line.startsWith('edgevpn:'))).toEqual([expect.stringMatching(/^edgevpn: service-connect 127\.0\.0\.1:9090: the port is in use by node edgevpn\.js \(pid \d+\); /)])
    } finally {
      await Promise.all(daemons.map(async d => { await d.stop() }))
      servers.kill()
    }
    for (const d of daemons) expect(await d.exited, `${d.name} stops cleanly on SIGTERM`).toBe(0)
  })

  it('sends a 5 MiB file from host 1 to host 2; the receiver exits 0 with the whole file', async () => {
    const [one, two] = lab.hosts
    const content = randomBytes(5 * 1024 * 1024)
    const source = join(dir, 'source.bin')
    const target = join(dir, 'received.bin')
    await writeFile(source, content)
    const sender = daemon(one, 'sender', ['file-send', '--name', 'bigfile', '--path', source])
    const receiver = daemon(two, 'receiver', ['file-receive', 'bigfile', target])
    try {
      const status = await Promise.race([
        receiver.exited,
        new Promise<string>(resolve => setTimeout(() => resolve('still running after 90 s'), 90_000))
      ])
      expect(status).toBe(0)
      expect(sha256(await readFile(target))).toBe(sha256(content))
      expect((await readdir(dir)).sort()).toEqual(['received.bin', 'source.bin'])
      await sender.waitForLog(record => record.message === 'file sent' && record.bytes === content.length)
    } finally {
      await Promise.all([sender.stop(), receiver.stop()])
    }
  })
})

describe('service and file command arguments', () => {
  /** Runs the built `edgevpn` with a clean environment; these all fail before a node starts. */
  async function edgevpn (args: string[]): Promise<{ code: number, stderr: string }> {
    try {
      const { stderr } = await run(process.execPath, [EDGEVPN_CLI, ...args], { env: { PATH: process.env.PATH ?? '', HOME: tmpdir() }, timeout: 20_000 })
      return { code: 0, stderr }
    } catch (err) {
      const failure = err as { code: number, stderr: string }
      return { code: failure.code, stderr: failure.stderr }
    }
  }

  const missing = 'edgevpn: Either a file UUID as first argument or with --name needs to be provided\n'

  it.each([
    [['service-add']],
    [['service-add', 'web']],
    [['sa', '--name', 'web']],
    [['service-connect', '--address', ':9090']],
    [['file-receive', 'doc']],
    [['fr', '--path', '/tmp/x']]
  ])('%j fails with Go\'s message', async (args) => {
    expect(await edgevpn(args)).toEqual({ code: 1, stderr: missing })
  })

  it.each([
    [['file-send'], 'edgevpn: Required flags "name, path" not set\n'],
    [['file-send', 'doc', '/tmp/x'], 'edgevpn: Required flags "name, path" not set\n'],
    [['fs', '--name', 'doc'], 'edgevpn: Required flag "path" not set\n'],
    [['file-send', '--name', 'doc', '--path', '/nonexistent/doc'], 'edgevpn: cannot share "/nonexistent/doc": no such file or directory\n'],
    [['file-send', '--name', 'doc', '--path', '/'], 'edgevpn: cannot share "/": not a regular file\n'],
    [['service-add', 'web', 'localhost'], 'edgevpn: invalid service address "localhost": missing port\n'],
    [['service-connect', 'web', ':99999'], 'edgevpn: invalid listen address ":99999": bad port "99999"\n'],
    [['file-receive', 'doc', '/nonexistent/doc'], 'edgevpn: cannot write "/nonexistent/doc": no such file or directory\n']
  ])('%j fails with one line', async (args, message) => {
    expect(await edgevpn(args)).toEqual({ code: 1, stderr: message })
  })
})
