/**
 * The byte pump of a TCP tunnel: a libp2p stream spliced to a TCP socket, both directions at
 * once, with Go edgevpn's rule that the first direction to finish closes both (spec §8.1).
 */
import { once } from 'node:events'
import { finished } from 'node:stream/promises'
import { StreamSocket } from '../net/stream-socket.js'
import { TunnelIdleError } from './errors.js'
import type { Stream } from '@libp2p/interface'
import type { Duplex, Readable, Writable } from 'node:stream'
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
  const peer = new StreamSocket(stream)
  // its errors reach us through the pumps; without a listener one arriving late would be thrown
  peer.on('error', () => {})
  const control = new AbortController()
  if (idleTimeoutMs > 0) {
    socket.setTimeout(idleTimeoutMs, () => { control.abort(new TunnelIdleError(`no traffic for ${idleTimeoutMs} ms`)) })
  }
  const directions = [forward(socket, peer, control.signal), forward(peer, socket, control.signal)]
  let failure: Error | undefined
  try {
    await Promise.race(directions)
  } catch (err) {
    failure = err instanceof Error ? err : new Error(String(err))
  }
  // detaches the direction still running; its unpipe pauses the source, so wait for it
  control.abort()
  await Promise.allSettled(directions)
  socket.setTimeout(0)

  if (failure !== undefined) {
    stream.abort(failure)
    peer.destroy()
    socket.destroy()
    return failure
  }
  await closeGracefully(peer, socket, init.lingerMs ?? 10_000)
  return undefined
}

/**
 * Pipes `source` into `sink` (without ending it) until `source` ends; rejects when either side
 * fails or `signal` aborts, and unpipes in every case.
 */
async function forward (source: Readable, sink: Writable, signal: AbortSignal): Promise<void> {
  const done = new AbortController()
  const both = AbortSignal.any([signal, done.signal])
  source.pipe(sink, { end: false })
  try {
    await Promise.race([
      finished(source, { writable: false, signal: both }),
      // `once` rejects on the sink's 'error'; a sink that closes first cannot take the rest
      once(sink, 'close', { signal: both }).then(() => { throw new Error('the destination closed while the source was still sending') })
    ])
  } finally {
    done.abort()
    source.unpipe(sink)
  }
}

/** Ends both sides, discarding what still arrives; after `lingerMs` the stream is reset and the socket destroyed. */
async function closeGracefully (peer: StreamSocket, socket: Socket, lingerMs: number): Promise<void> {
  const linger = AbortSignal.timeout(lingerMs)
  try {
    await Promise.all([peer, socket].map(async (side: Duplex) => {
      if (side.destroyed) return
      side.resume()
      side.end()
      await once(side, 'close', { signal: linger })
    }))
  } catch {
    // a side that does not finish closing in time, or breaks while closing, is forced
    peer.stream.abort(new Error('the tunnel did not close in time'))
    peer.destroy()
    socket.destroy()
  }
}
