import { writeSync } from 'node:fs'
import { createServer, connect } from 'node:net'
import type { AddressInfo, Server, Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { socketFd } from '../src/socket-fd.js'

describe('socketFd: the one read of Node internals', () => {
  let server: Server | undefined
  let sockets: Socket[] = []

  afterEach(async () => {
    for (const socket of sockets) socket.destroy()
    sockets = []
    await new Promise<void>(resolve => { server?.close(() => { resolve() }) ?? resolve() })
    server = undefined
  })

  async function connectedPair (): Promise<{ client: Socket, accepted: Socket }> {
    const accepted = new Promise<Socket>(resolve => { server = createServer(resolve) })
    await new Promise<void>(resolve => { server?.listen(0, '127.0.0.1', resolve) })
    const client = connect((server?.address() as AddressInfo).port, '127.0.0.1')
    await new Promise<void>(resolve => client.once('connect', resolve))
    const pair = { client, accepted: await accepted }
    sockets.push(pair.client, pair.accepted)
    return pair
  }

  it('names the connected socket itself: bytes written to the descriptor reach the peer', async () => {
    const { client, accepted } = await connectedPair()
    const received = new Promise<string>(resolve => accepted.once('data', chunk => { resolve(chunk.toString()) }))
    writeSync(socketFd(client), 'through the descriptor')
    expect(await received).toBe('through the descriptor')
  })

  it('throws for a socket that has no descriptor (not connected, or closed)', async () => {
    const { client } = await connectedPair()
    client.destroy()
    await new Promise(resolve => setImmediate(resolve))
    expect(() => socketFd(client)).toThrow(/no file descriptor/)
  })
})
