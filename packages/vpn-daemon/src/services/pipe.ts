/**
 * The byte pump of a TCP tunnel: a libp2p stream spliced to a TCP socket, both directions at
 * once, with Go edgevpn's rule that the first direction to finish closes both (spec §8.1).
 */
import { once } from 'node:events'
import { TunnelIdleError } from './errors.js'
import { pumpReadableToStream, pumpStreamToWritable } from './stream-io.js'
import type { Stream } from '@libp2p/interface'
import type { Socket } from 'node:net'

export interface PipeInit {
  /**
   * Tear the tunnel down after this many ms without traffic in either direction; 0 keeps idle
   * tunnels open, as Go does (dead peers are still noticed: libp2p pings its connections).
   *
   * @default 0
   */
  idleTimeoutMs?: number
  /**
   * After a clean finish, how long both ends get to complete their close before the socket is
   * destroyed and the stream reset.
   *
   * @default 10000
   */
  lingerMs?: number
}

/**
 * Pumps `stream` ⇄ `socket` until one direction ends, then closes both. A clean end (TCP FIN
 * or the remote's stream FIN) closes gracefully, so what either side already accepted is still
 * delivered; an error (reset, socket error, idle timeout) resets the stream and destroys the
 * socket.
 *
 * @returns once both are closed: the error that broke the tunnel, or undefined for a clean finish
 */
export async function pipeStreamAndSocket (stream: Stream, socket: Socket, init: PipeInit = {}): Promise<Error | undefined> {
  const idleTimeoutMs = init.idleTimeoutMs ?? 0
  const control = new AbortController()
  if (idleTimeoutMs > 0) {
    socket.setTimeout(idleTimeoutMs, () => { control.abort(new TunnelIdleError(`no traffic for ${idleTimeoutMs} ms`)) })
  }
  const toStream = pumpReadableToStream(socket, stream, { signal: control.signal })
  const toSocket = pumpStreamToWritable(stream, socket, { signal: control.signal })
  // The direction still running when the other finishes is detached on purpose: its rejection is expected.
  toStream.catch(() => {})
  toSocket.catch(() => {})

  let failure: Error | undefined
  try {
    await Promise.race([toStream, toSocket])
  } catch (err) {
    failure = err instanceof Error ? err : new Error(String(err))
  }
  control.abort()
  socket.setTimeout(0)

  if (failure !== undefined) {
    stream.abort(failure)
    socket.destroy()
    return failure
  }
  await closeGracefully(stream, socket, init.lingerMs ?? 10_000)
  return undefined
}

/** Ends both sides, discarding what still arrives, and forces them closed after `lingerMs`. */
async function closeGracefully (stream: Stream, socket: Socket, lingerMs: number): Promise<void> {
  const linger = AbortSignal.timeout(lingerMs)
  socket.resume()
  socket.end()
  try {
    await stream.closeRead()
    await Promise.all([
      stream.close({ signal: linger }).then(async () => { await streamClosed(stream, linger) }),
      socket.destroyed ? undefined : once(socket, 'close', { signal: linger })
    ])
  } catch {
    // a side that does not finish closing in time, or breaks while closing, is forced
    stream.abort(new Error('the tunnel did not close in time'))
    socket.destroy()
  }
}

async function streamClosed (stream: Stream, signal: AbortSignal): Promise<void> {
  if (stream.status !== 'open' && stream.status !== 'closing') return
  await once(stream, 'close', { signal })
}
