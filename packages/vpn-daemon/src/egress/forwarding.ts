/** What a proxy hop does to an HTTP message in transit and to a CONNECT tunnel. */
import { STATUS_CODES } from 'node:http'
import type { ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'

/** Headers that describe one connection, not the message (RFC 9110 §7.6.1, plus `Proxy-*`). */
const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer',
  'transfer-encoding', 'upgrade'
])

/**
 * The end-to-end headers of a message, as a `rawHeaders`-style flat list (names keep their case
 * and repeats their order): hop-by-hop headers and those the `Connection` header names are left
 * out, since each hop frames the body itself, and so are the lower-case names in `drop`.
 */
export function endToEndHeaders (rawHeaders: readonly string[], drop: readonly string[] = []): string[] {
  const named = new Set([...HOP_BY_HOP, ...drop])
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (rawHeaders[i].toLowerCase() === 'connection') {
      for (const token of rawHeaders[i + 1].split(',')) named.add(token.trim().toLowerCase())
    }
  }
  const out: string[] = []
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (!named.has(rawHeaders[i].toLowerCase())) out.push(rawHeaders[i], rawHeaders[i + 1])
  }
  return out
}

/**
 * Pumps bytes both ways between two connections. The end of one direction is passed on as a
 * half-close; an error on either side, or both directions ending, closes both.
 *
 * @returns resolves once both connections are closed
 */
export async function tunnel (a: Duplex, b: Duplex): Promise<void> {
  const closed = (socket: Duplex): Promise<void> => new Promise(resolve => {
    if (socket.destroyed) resolve()
    else socket.once('close', () => { resolve() })
  })
  const fail = (): void => {
    a.destroy()
    b.destroy()
  }
  a.on('error', fail)
  b.on('error', fail)
  a.pipe(b)
  b.pipe(a)
  await Promise.all([closed(a), closed(b)])
}

/** The body Go's `http.Error` writes: the message and a newline. */
function errorBody (message: string): Buffer {
  return Buffer.from(message + '\n', 'utf8')
}

/** An error answer the way Go's `http.Error` writes it: plain text with a trailing newline. */
export function sendTextError (response: ServerResponse, status: number, message: string): void {
  const body = errorBody(message)
  response.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'X-Content-Type-Options': 'nosniff',
    'Content-Length': body.length
  }).end(body)
}

/**
 * The same answer written straight to a connection that has left Node's HTTP server (a CONNECT
 * request's socket), which is then closed.
 */
export function writeTextError (socket: Duplex, status: number, message: string): void {
  const body = errorBody(message)
  socket.end(Buffer.concat([Buffer.from(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n` +
    'Content-Type: text/plain; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\n' +
    `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n`, 'latin1'), body]))
}

/** What a CONNECT target's side answers once the tunnel is up. */
export const CONNECTION_ESTABLISHED = 'HTTP/1.1 200 Connection Established\r\n\r\n'
