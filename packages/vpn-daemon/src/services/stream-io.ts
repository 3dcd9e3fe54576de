/**
 * Moving bytes between a libp2p stream and a Node stream with backpressure in the direction of
 * travel: a full libp2p send buffer pauses the Node readable until 'drain'; a full Node writable
 * pauses the libp2p stream (yamux then withholds window updates) until the writable drains.
 */
import { waitForDrain } from '../vpn/wait-drain.js'
import { IncompleteStreamError } from './errors.js'
import type { Stream, StreamCloseEvent, StreamMessageEvent } from '@libp2p/interface'
import type { Readable, Writable } from 'node:stream'
import type { Uint8ArrayList } from 'uint8arraylist'

/**
 * How many bytes a paused libp2p stream may hold. yamux keeps granting the sender credit up to its
 * 16 MiB maximum window, and all of it may be in flight when we pause; libp2p's 4 MiB default
 * would reset a stream whose reader is merely slower than the network.
 */
export const PAUSED_READ_ALLOWANCE = 17 * 1024 * 1024

export interface PumpOptions {
  /** Detaches the pump from both sides (neither is closed); the pump rejects with the reason. */
  signal?: AbortSignal
}

/**
 * Sends everything `source` produces into `stream`. Neither side is closed here.
 *
 * @returns the number of bytes sent, once `source` has ended
 * @throws the source's error, the stream's close error, or the signal's reason
 */
export async function pumpReadableToStream (source: Readable, stream: Stream, options: PumpOptions = {}): Promise<number> {
  const { signal } = options
  return await new Promise<number>((resolve, reject) => {
    let bytes = 0
    let settled = false
    const settle = (err?: unknown): void => {
      if (settled) return
      settled = true
      source.off('data', onData)
      source.off('end', onEnd)
      source.off('error', onError)
      stream.removeEventListener('close', onStreamClose)
      signal?.removeEventListener('abort', onAbort)
      if (err === undefined) resolve(bytes)
      else reject(err)
    }
    const onData = (chunk: Uint8Array): void => {
      bytes += chunk.byteLength
      let accepted: boolean
      try {
        accepted = stream.send(chunk)
      } catch (err) {
        settle(err)
        return
      }
      if (accepted) return
      source.pause()
      waitForDrain(stream).then(() => { if (!settled) source.resume() }, settle)
    }
    const onEnd = (): void => { settle() }
    const onError = (err: Error): void => { settle(err) }
    const onStreamClose = (event: Event): void => {
      settle((event as StreamCloseEvent).error ?? new IncompleteStreamError('the stream closed before all data was sent'))
    }
    const onAbort = (): void => { settle(signal?.reason) }

    if (signal?.aborted === true) {
      settle(signal.reason)
      return
    }
    signal?.addEventListener('abort', onAbort, { once: true })
    stream.addEventListener('close', onStreamClose)
    source.on('end', onEnd)
    source.on('error', onError)
    source.on('data', onData)
  })
}

/**
 * Writes everything the remote sends on `stream` into `sink`, until the remote closes its end
 * for writing (a yamux FIN). A reset, or a connection that goes away before the FIN, is a failure:
 * the data is incomplete. Neither side is closed here.
 *
 * @returns the number of bytes written into `sink`
 * @throws IncompleteStreamError, the stream's close error, the sink's error, or the signal's reason
 */
export async function pumpStreamToWritable (stream: Stream, sink: Writable, options: PumpOptions = {}): Promise<number> {
  const { signal } = options
  return await new Promise<number>((resolve, reject) => {
    let bytes = 0
    let settled = false
    // The remote may have finished before we got here (status is still open after a FIN).
    let finReceived = stream.status === 'open' && stream.remoteWriteStatus === 'closed'
    stream.maxReadBufferLength = Math.max(stream.maxReadBufferLength, PAUSED_READ_ALLOWANCE)

    const settle = (err?: unknown): void => {
      if (settled) return
      settled = true
      stream.removeEventListener('message', onMessage)
      stream.removeEventListener('remoteCloseWrite', onRemoteCloseWrite)
      stream.removeEventListener('end', onEnd)
      stream.removeEventListener('close', onStreamClose)
      sink.off('drain', resume)
      sink.off('error', onSinkError)
      sink.off('close', onSinkClose)
      signal?.removeEventListener('abort', onAbort)
      if (err === undefined) resolve(bytes)
      else reject(err)
    }
    const resume = (): void => {
      if (stream.readStatus === 'paused') stream.resume()
    }
    const onMessage = (event: StreamMessageEvent): void => {
      let writable = true
      for (const chunk of chunksOf(event.data)) {
        bytes += chunk.byteLength
        writable = sink.write(chunk)
      }
      if (!writable && stream.readStatus === 'readable') stream.pause()
    }
    const onRemoteCloseWrite = (): void => { finReceived = true }
    // 'end' comes once the remote has stopped writing and nothing is left in the read buffer.
    const onEnd = (): void => { if (finReceived) settle() }
    const onStreamClose = (event: Event): void => {
      const { error } = event as StreamCloseEvent
      if (error !== undefined) settle(error)
      else if (!finReceived) settle(new IncompleteStreamError('the stream closed before the remote finished sending'))
      else if (stream.readableEnded) settle()
      // else: the rest is still in the read buffer of a paused stream, and 'end' follows it
    }
    const onSinkError = (err: Error): void => { settle(err) }
    const onSinkClose = (): void => { settle(new Error('the destination closed while the stream was still sending')) }
    const onAbort = (): void => { settle(signal?.reason) }

    if (signal?.aborted === true) {
      settle(signal.reason)
      return
    }
    if (stream.status === 'reset' || stream.status === 'aborted') {
      settle(new IncompleteStreamError(`the stream was ${stream.status} before it was read`))
      return
    }
    signal?.addEventListener('abort', onAbort, { once: true })
    sink.on('drain', resume)
    sink.on('error', onSinkError)
    sink.on('close', onSinkClose)
    stream.addEventListener('remoteCloseWrite', onRemoteCloseWrite)
    stream.addEventListener('end', onEnd)
    stream.addEventListener('close', onStreamClose)
    stream.addEventListener('message', onMessage)
    if (finReceived && stream.readableEnded) settle()
  })
}

function chunksOf (data: Uint8Array | Uint8ArrayList): Iterable<Uint8Array> {
  return data instanceof Uint8Array ? [data] : data
}
