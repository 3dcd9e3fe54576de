import { Duplex } from 'node:stream'
import { waitForDrain } from '../vpn/wait-drain.js'
import type { Stream, StreamMessageEvent } from '@libp2p/interface'

/**
 * A libp2p stream as a Node.js `Duplex`, so that Node's HTTP parser and writer (`http.Server`
 * via its `'connection'` event, `http.request` via `createConnection`) and `pipe` work over it.
 *
 * Backpressure runs both ways: the libp2p stream is paused while the readable side is full, and
 * writes wait for a fresh `'drain'` event. Ending the writable side half-closes the stream;
 * destroying with an error resets it, and destroying without one closes what is still open.
 */
export class StreamSocket extends Duplex {
  readonly #stream: Stream

  constructor (stream: Stream) {
    super({ allowHalfOpen: true })
    this.#stream = stream
    stream.addEventListener('message', this.#onMessage)
    stream.addEventListener('end', this.#onEnd)
    stream.addEventListener('close', this.#onClose)
    if (stream.readableEnded) this.push(null)
  }

  /** The libp2p stream's remote end, for logs. */
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
    if (!this.push(event.data.subarray()) && this.#stream.readStatus === 'readable') this.#stream.pause()
  }

  readonly #onEnd = (): void => {
    this.push(null)
  }

  readonly #onClose = (event: Event & { error?: Error }): void => {
    if (event.error !== undefined) this.destroy(event.error)
    else this.push(null)
  }
}
