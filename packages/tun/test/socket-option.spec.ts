import { createServer, connect } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { setSocketOption, SOCKET_OPTION, TunError } from '@edgevpn/tun'
import type { Server, Socket } from 'node:net'

/** Node.js keeps the descriptor on an internal handle: what the daemon reads too. */
function fdOf (socket: Socket | Server): number {
  return (socket as unknown as { _handle: { fd: number } })._handle.fd
}

describe('setSocketOption', () => {
  const cleanup: Array<() => void> = []
  afterEach(() => {
    for (const step of cleanup.splice(0)) step()
  })

  async function loopbackPair (): Promise<Socket> {
    const server = createServer(socket => { cleanup.push(() => socket.destroy()) })
    cleanup.push(() => server.close())
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    const port = (server.address() as { port: number }).port
    const client = connect(port, '127.0.0.1')
    cleanup.push(() => client.destroy())
    await new Promise<void>(resolve => client.once('connect', resolve))
    return client
  }

  it('sets SO_SNDBUF and TCP_NOTSENT_LOWAT on a connected TCP socket and reports what the kernel keeps', async () => {
    const client = await loopbackPair()
    const { SOL_SOCKET, SO_SNDBUF, SO_RCVBUF, IPPROTO_TCP, TCP_NOTSENT_LOWAT } = SOCKET_OPTION
    // Linux doubles buffer sizes for its bookkeeping
    expect(setSocketOption(fdOf(client), SOL_SOCKET, SO_SNDBUF, 65536)).toBe(131072)
    expect(setSocketOption(fdOf(client), SOL_SOCKET, SO_RCVBUF, 32768)).toBe(65536)
    expect(setSocketOption(fdOf(client), IPPROTO_TCP, TCP_NOTSENT_LOWAT, 16384)).toBe(16384)
    // the socket still works
    client.write('ok')
  })

  it('rejects arguments that are not 32-bit integers', () => {
    expect(() => setSocketOption(-1, 1, 7, 1)).toThrow(RangeError)
    expect(() => setSocketOption(1.5, 1, 7, 1)).toThrow(/fd must be a 32-bit integer/)
    expect(() => setSocketOption(3, 1, 7, 2 ** 31)).toThrow(/value must be a 32-bit integer/)
  })

  it('names the failed system call for a descriptor that is not a socket', () => {
    let error: unknown
    try {
      setSocketOption(1_000_000, SOCKET_OPTION.SOL_SOCKET, SOCKET_OPTION.SO_SNDBUF, 1)
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(TunError)
    expect((error as TunError).code).toBe('ESYSCALL')
    expect((error as TunError).message).toMatch(/setsockopt/)
  })
})
