import { HttpError } from './errors.js'
import type { IncomingMessage } from 'node:http'

/**
 * Reads the whole request body, refusing more than `maxBytes` with an HttpError 413. What is
 * left unread is discarded by Node once the response is sent.
 */
export async function readBody (request: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(request.headers['content-length'] ?? 0)
  if (declared > maxBytes) throw tooLarge(maxBytes)
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const cleanup = (): void => {
      request.off('data', onData)
      request.off('end', onEnd)
      request.off('error', onError)
      request.off('close', onClose)
    }
    const onData = (chunk: Buffer): void => {
      size += chunk.length
      if (size <= maxBytes) {
        chunks.push(chunk)
        return
      }
      cleanup()
      request.resume()
      reject(tooLarge(maxBytes))
    }
    const onEnd = (): void => {
      cleanup()
      resolve(Buffer.concat(chunks))
    }
    const onError = (err: Error): void => {
      cleanup()
      reject(new HttpError(400, `reading the request body: ${err.message}`))
    }
    // a client that goes away mid-body may not cause 'error'
    const onClose = (): void => { onError(new Error('connection closed')) }
    request.on('data', onData)
    request.on('end', onEnd)
    request.on('error', onError)
    request.on('close', onClose)
  })
}

function tooLarge (maxBytes: number): HttpError {
  return new HttpError(413, `request body larger than ${maxBytes} bytes`)
}
