/**
 * The service and file protocols between two in-process libp2p hosts on loopback, with real TCP
 * sockets: the users gate, backpressure through a tunnel, teardown without leaks, and file
 * downloads that survive interrupted transfers. Each host has its own ledger, filled by hand here
 * (the gossip sync is tested elsewhere; the daemons in services-netns.spec.ts use it).
 */
import { createHash, randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { connect, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BUCKETS, Ledger } from '@edgevpn/ledger'
import { createLogger, createMeshHost } from '@edgevpn/mesh-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  connectService, exposeService, FILE_PROTOCOL, providerValue, receiveFile,
  SERVICE_PROTOCOL, shareFile, userValue
} from '../src/services/index.js'
import type { MeshHost } from '@edgevpn/mesh-core'
import type { Stream } from '@libp2p/interface'
import type { AddressInfo, Server, Socket } from 'node:net'
import type { RunningService, ServiceComponents } from '../src/services/index.js'

interface Peer {
  host: MeshHost
  ledger: Ledger
  id: string
  components: ServiceComponents
}

const logger = createLogger({ level: 'error' })

async function startPeer (): Promise<Peer> {
  const host = await createMeshHost({ listen: ['/ip4/127.0.0.1/tcp/0'], quic: false })
  const ledger = new Ledger({ mode: 'off' })
  return { host, ledger, id: host.peerId.toString(), components: { libp2p: host.libp2p, ledger, logger } }
}

/** A TCP server on loopback; `handle` gets each connection. */
async function tcpServer (handle: (socket: Socket) => void): Promise<{ server: Server, port: number, sockets: Set<Socket> }> {
  const sockets = new Set<Socket>()
  const server = createServer(socket => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    handle(socket)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return { server, port: (server.address() as AddressInfo).port, sockets }
}

async function tcpConnect (port: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1')
  // a tunnel may reset the connection; the tests look at 'close'
  socket.on('error', () => {})
  await once(socket, 'connect')
  return socket
}

/** Sends `payload` and reads until as many bytes came back, pausing between reads when `slow`. */
async function echoRoundTrip (socket: Socket, payload: Buffer, slow = false): Promise<Buffer> {
  const received: Buffer[] = []
  let length = 0
  const done = new Promise<void>((resolve, reject) => {
    socket.on('data', (chunk: Buffer) => {
      received.push(chunk)
      length += chunk.length
      if (slow) {
        socket.pause()
        setTimeout(() => socket.resume(), 2)
      }
      if (length >= payload.length) resolve()
    })
    socket.once('close', () => { reject(new Error(`closed after ${length} of ${payload.length} bytes`)) })
  })
  socket.write(payload)
  await done
  return Buffer.concat(received)
}

/** Reads a stream to its end; rejects when it is reset. */
async function readStream (stream: Stream): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(Buffer.from(chunk.subarray()))
  // the iterator ends quietly on a stream that was reset before it started
  if (stream.status === 'reset' || stream.status === 'aborted') throw new Error(`stream ${stream.status}`)
  return Buffer.concat(chunks)
}

async function eventually (what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: still false after ${timeoutMs} ms`)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}

function openStreams (peer: Peer, protocol: string): number {
  return peer.host.libp2p.getConnections().flatMap(c => c.streams).filter(s => s.protocol === protocol).length
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex')

describe('service tunnels between two hosts', () => {
  let client: Peer
  let provider: Peer
  const cleanups: Array<() => Promise<void>> = []
  const later = (cleanup: () => Promise<void>): void => { cleanups.push(cleanup) }

  beforeAll(async () => {
    client = await startPeer()
    provider = await startPeer()
    await client.host.libp2p.dial(provider.host.libp2p.getMultiaddrs()[0])
  })

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  })

  afterAll(async () => {
    await client?.host.stop()
    await provider?.host.stop()
  })

  async function echoTunnel (options: { idleTimeoutMs?: number } = {}): Promise<{ port: number, echo: Awaited<ReturnType<typeof tcpServer>> }> {
    const echo = await tcpServer(socket => socket.pipe(socket))
    later(async () => { echo.server.close() })
    const exposed = await exposeService(provider.components, { name: 'echo', address: `127.0.0.1:${echo.port}`, ...options })
    later(exposed.stop)
    await client.ledger.put(BUCKETS.services, 'echo', providerValue(provider.id, 'echo'))
    await provider.ledger.put(BUCKETS.users, client.id, userValue(client.id))
    const connected = await connectService(client.components, { name: 'echo', listen: '127.0.0.1:0', ...options })
    later(connected.stop)
    later(async () => { await provider.ledger.delete(BUCKETS.users, client.id) })
    return { port: connected.address.port, echo }
  }

  it('resets streams from a peer without a users entry', async () => {
    const echo = await tcpServer(socket => socket.pipe(socket))
    later(async () => { echo.server.close() })
    const exposed = await exposeService(provider.components, { name: 'echo', address: `127.0.0.1:${echo.port}`, userWaitMs: 300 })
    later(exposed.stop)

    const refused = await client.host.libp2p.dialProtocol(provider.host.peerId, SERVICE_PROTOCOL)
    await expect(readStream(refused)).rejects.toThrow()
    expect(echo.sockets.size).toBe(0)

    // the same peer once it is a user
    await provider.ledger.put(BUCKETS.users, client.id, userValue(client.id))
    later(async () => { await provider.ledger.delete(BUCKETS.users, client.id) })
    const admitted = await client.host.libp2p.dialProtocol(provider.host.peerId, SERVICE_PROTOCOL)
    admitted.send(Buffer.from('hello'))
    const reply = await new Promise<string>(resolve => admitted.addEventListener('message', e => { resolve(Buffer.from(e.data.subarray()).toString()) }, { once: true }))
    expect(reply).toBe('hello')
    await admitted.close()
  })

  it('closes a local connection when no peer provides the service', async () => {
    const connected = await connectService(client.components, { name: 'nobody', listen: '127.0.0.1:0' })
    later(connected.stop)
    const socket = await tcpConnect(connected.address.port)
    await once(socket, 'close')
  })

  it('carries 20 MiB through a tunnel to a slow reader, then releases every stream and socket', async () => {
    const { port, echo } = await echoTunnel()
    const payload = randomBytes(20 * 1024 * 1024)
    const socket = await tcpConnect(port)
    const received = await echoRoundTrip(socket, payload, true)
    expect(received.length).toBe(payload.length)
    expect(sha256(received)).toBe(sha256(payload))

    socket.end()
    await once(socket, 'close')
    await eventually('the service side socket closes', () => echo.sockets.size === 0)
    await eventually('the tunnel streams close on both peers', () => openStreams(client, SERVICE_PROTOCOL) === 0 && openStreams(provider, SERVICE_PROTOCOL) === 0)
  })

  it('serves several tunnels at once', async () => {
    const { port } = await echoTunnel()
    const payloads = Array.from({ length: 20 }, () => randomBytes(256 * 1024))
    const replies = await Promise.all(payloads.map(async payload => {
      const socket = await tcpConnect(port)
      const reply = await echoRoundTrip(socket, payload)
      socket.end()
      return reply
    }))
    replies.forEach((reply, i) => { expect(sha256(reply)).toBe(sha256(payloads[i])) })
  })

  it('closes the client connection when the service resets its side', async () => {
    const resetting = await tcpServer(socket => { socket.once('data', () => socket.resetAndDestroy()) })
    later(async () => { resetting.server.close() })
    const exposed = await exposeService(provider.components, { name: 'reset', address: `127.0.0.1:${resetting.port}` })
    later(exposed.stop)
    await client.ledger.put(BUCKETS.services, 'reset', providerValue(provider.id, 'reset'))
    await provider.ledger.put(BUCKETS.users, client.id, userValue(client.id))
    later(async () => { await provider.ledger.delete(BUCKETS.users, client.id) })
    const connected = await connectService(client.components, { name: 'reset', listen: '127.0.0.1:0' })
    later(connected.stop)

    const socket = await tcpConnect(connected.address.port)
    socket.write('boom')
    await once(socket, 'close')
    await eventually('the tunnel streams close on both peers', () => openStreams(client, SERVICE_PROTOCOL) === 0 && openStreams(provider, SERVICE_PROTOCOL) === 0)
  })

  it('closes idle tunnels after the idle timeout', async () => {
    const { port, echo } = await echoTunnel({ idleTimeoutMs: 500 })
    const socket = await tcpConnect(port)
    expect((await echoRoundTrip(socket, Buffer.from('ping'))).toString()).toBe('ping')
    await once(socket, 'close')
    await eventually('the service side socket closes', () => echo.sockets.size === 0)
  })

  it('cuts open tunnels when the service stops', async () => {
    const { port, echo } = await echoTunnel()
    const socket = await tcpConnect(port)
    expect((await echoRoundTrip(socket, Buffer.from('ping'))).toString()).toBe('ping')
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
    await once(socket, 'close')
    await eventually('the service side socket closes', () => echo.sockets.size === 0)
  })
})

describe('file transfer between two hosts', () => {
  let receiver: Peer
  let sender: Peer
  let dir: string

  beforeAll(async () => {
    receiver = await startPeer()
    sender = await startPeer()
    await receiver.host.libp2p.dial(sender.host.libp2p.getMultiaddrs()[0])
    await receiver.ledger.put(BUCKETS.files, 'doc', providerValue(sender.id, 'doc'))
    dir = await mkdtemp(join(tmpdir(), 'evt-files-'))
  })

  afterAll(async () => {
    await receiver?.host.stop()
    await sender?.host.stop()
    if (dir !== undefined) await rm(dir, { recursive: true, force: true })
  })

  it('refuses a receiver without a users entry, and serves it once it is a user', async () => {
    const content = randomBytes(3 * 1024 * 1024 + 17)
    const source = join(dir, 'source.bin')
    await writeFile(source, content)
    const shared: RunningService = await shareFile(sender.components, { name: 'doc', path: source, userWaitMs: 300 })
    try {
      const refused = await receiver.host.libp2p.dialProtocol(sender.host.peerId, FILE_PROTOCOL)
      await expect(readStream(refused)).rejects.toThrow()

      await sender.ledger.put(BUCKETS.users, receiver.id, userValue(receiver.id))
      const target = join(dir, 'received.bin')
      const bytes = await receiveFile(receiver.components, { name: 'doc', path: target, retryIntervalMs: 100 })
      expect(bytes).toBe(content.length)
      expect(sha256(await readFile(target))).toBe(sha256(content))
      expect((await readdir(dir)).sort()).toEqual(['received.bin', 'source.bin'])
    } finally {
      await shared.stop()
      await sender.ledger.delete(BUCKETS.users, receiver.id)
    }
  })

  it('serves a receiver whose users entry arrives while its stream waits, as a Go receiver that found the file first', async () => {
    const content = randomBytes(256 * 1024)
    const source = join(dir, 'early.bin')
    await writeFile(source, content)
    const shared = await shareFile(sender.components, { name: 'early', path: source })
    try {
      // Go's receiver reads whatever the stream gives once and stops: a reset leaves it an empty file
      const stream = await receiver.host.libp2p.dialProtocol(sender.host.peerId, FILE_PROTOCOL)
      const read = readStream(stream)
      await new Promise(resolve => setTimeout(resolve, 1_000)) // a sync round later
      await sender.ledger.put(BUCKETS.users, receiver.id, userValue(receiver.id))
      expect(sha256(await read)).toBe(sha256(content))
    } finally {
      await shared.stop()
      await sender.ledger.delete(BUCKETS.users, receiver.id)
      await rm(source)
    }
  })

  it('never leaves a truncated file: a reset stream or a dropped connection is retried', async () => {
    const content = randomBytes(2 * 1024 * 1024)
    const target = join(dir, 'retried.bin')
    const attempts: string[] = []
    await sender.host.libp2p.handle(FILE_PROTOCOL, async (stream, connection) => {
      attempts.push(existsSync(target) ? 'target exists' : 'no target')
      if (attempts.length === 1) {
        stream.send(content.subarray(0, 1024 * 1024))
        await new Promise(resolve => setTimeout(resolve, 100))
        stream.abort(new Error('sender crashed'))
      } else if (attempts.length === 2) {
        stream.send(content.subarray(0, 512 * 1024))
        await new Promise(resolve => setTimeout(resolve, 100))
        connection.abort(new Error('sender vanished'))
      } else {
        stream.send(content)
        await stream.close()
      }
    }, { runOnLimitedConnection: true })
    try {
      const bytes = await receiveFile(receiver.components, { name: 'doc', path: target, retryIntervalMs: 100 })
      expect(bytes).toBe(content.length)
      expect(attempts).toEqual(['no target', 'no target', 'no target'])
      expect(sha256(await readFile(target))).toBe(sha256(content))
      expect((await readdir(dir)).filter(name => name.endsWith('.part'))).toEqual([])
    } finally {
      await sender.host.libp2p.unhandle(FILE_PROTOCOL)
    }
  })

  it('fails at once when the destination cannot be written', async () => {
    await expect(receiveFile(receiver.components, { name: 'doc', path: join(dir, 'missing-dir', 'x.bin'), retryIntervalMs: 100 }))
      .rejects.toThrow(/cannot write .*missing-dir.*: no such file or directory/)
  })

  it('stops retrying when aborted', async () => {
    const abort = new AbortController()
    setTimeout(() => abort.abort(new Error('given up')), 300)
    await expect(receiveFile(receiver.components, { name: 'not-shared', path: join(dir, 'never.bin'), retryIntervalMs: 100, signal: abort.signal }))
      .rejects.toThrow('given up')
  })
})
