import { Duplex } from 'node:stream'
import { waitForDrain } from '@edgevpn/vpn'
import type { Stream, StreamCloseEvent, StreamMessageEvent } from '@libp2p/interface'

/**
 * How many bytes a paused libp2p stream may hold. yamux keeps granting the sender credit up to its
 * 16 MiB maximum window, and all of it may be in flight when we pause; libp2p's 4 MiB default
 * would reset a stream whose reader is merely slower than the network.
 */
export const PAUSED_READ_ALLOWANCE = 17 * 1024 * 1024

/** A libp2p stream ended without the remote's end-of-data (reset, or the connection went away). */
export class IncompleteStreamError extends Error {
  override name = 'IncompleteStreamError'
}

/**
 * A libp2p stream as a Node.js `Duplex`: the one bridge between libp2p streams and Node's streams,
 * so that Node's HTTP parser and writer (`http.Server` via its `'connection'` event, `http.request`
 * via `createConnection`), `pipe` and `pipeline` work over it.
 *
 * Backpressure runs both ways: the libp2p stream is paused while the readable side is full, and
 * writes wait for a fresh `'drain'` event. The readable side ends only at the remote's end-of-data
 * (a yamux FIN); a stream that closes without one, or is reset, destroys this socket with an
 * error, so a truncated transfer never looks complete. Ending the writable side half-closes the
 * stream; destroying with an error resets it, and destroying without one closes what is still open.
 */
export class StreamSocket extends Duplex {
  readonly #stream: Stream
  // The remote may have finished before we got here (status is still open after a FIN).
  #finReceived: boolean

  constructor (stream: Stream) {
    super({ allowHalfOpen: true })
    this.#stream = stream
    this.#finReceived = stream.remoteWriteStatus === 'closed'
    stream.maxReadBufferLength = Math.max(stream.maxReadBufferLength, PAUSED_READ_ALLOWANCE)
    stream.addEventListener('message', this.#onMessage)
    stream.addEventListener('remoteCloseWrite', this.#onRemoteCloseWrite)
    stream.addEventListener('end', this.#onEnd)
    stream.addEventListener('close', this.#onClose)
    if (stream.status === 'reset' || stream.status === 'aborted') {
      this.destroy(new IncompleteStreamError(`the stream was ${stream.status} before it was read`))
    } else if (this.#finReceived && stream.readableEnded) {
      this.push(null)
    }
  }

  /** The libp2p stream underneath, for logs. */
  get stream (): Stream {
    return this.#stream
  }

  override _read (): void {
    if (this.#stream.readStatus === 'paused') this.#stream.resume()
  }

  override _write (chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    try {
      if (this.#stream.send(chunk)) callback()
      else waitForDrain(this.#stream).then(() => { callback() }, callback)
    } catch (err) {
      callback(err as Error)
    }
  }

  override _final (callback: (error?: Error | null) => void): void {
    this.#stream.close().then(() => { callback() }, callback)
  }

  override _destroy (error: Error | null, callback: (error?: Error | null) => void): void {
    this.#stream.removeEventListener('message', this.#onMessage)
    this.#stream.removeEventListener('remoteCloseWrite', this.#onRemoteCloseWrite)
    this.#stream.removeEventListener('end', this.#onEnd)
    this.#stream.removeEventListener('close', this.#onClose)
    if (error != null) {
      this.#stream.abort(error)
    } else if (this.#stream.writeStatus === 'writable') {
      // Unsent bytes still go out; the peer sees the end of our side.
      this.#stream.close().catch(() => {})
    }
    callback(error)
  }

  readonly #onMessage = (event: StreamMessageEvent): void => {
    let more = true
    for (const chunk of event.data instanceof Uint8Array ? [event.data] : event.data) more = this.push(chunk)
    if (!more && this.#stream.readStatus === 'readable') this.#stream.pause()
  }

  readonly #onRemoteCloseWrite = (): void => {
    this.#finReceived = true
  }

  // 'end' comes once the remote has stopped writing and nothing is left in the read buffer.
  readonly #onEnd = (): void => {
    if (this.#finReceived) this.push(null)
  }

  readonly #onClose = (event: Event): void => {
    const { error } = event as StreamCloseEvent
    if (error !== undefined) this.destroy(error)
    else if (!this.#finReceived) this.destroy(new IncompleteStreamError('the stream closed before the remote finished sending'))
    else if (this.#stream.readableEnded) this.push(null)
    // else: the rest is still in the read buffer of a paused stream, and 'end' follows it
  }
}
