/**
 * Checksummed TCP transfers through the VPN, run by Node inside a lab host:
 * - `serve <port>`: on every connection, hashes what arrives until the sender half-closes and
 *   answers the SHA-256 (hex, one line); prints `{"event":"listening"}` once bound.
 * - `send <ip> <port> <bytes> <timeout-ms>`: sends random bytes, half-closes, compares the
 *   answer with its own hash and prints `{"bytes","sha256","received","ms"}` (`received` is the
 *   receiver's digest, or undefined without one); exits 1 unless both digests match.
 *
 * The server binds every address of its namespace, so it keeps working when a restarted
 * daemon brings the VPN interface back.
 */
import { createHash, randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { connect, createServer } from 'node:net'

const CHUNK_BYTES = 64 * 1024

function print (value: object): void {
  process.stdout.write(JSON.stringify(value) + '\n')
}

function serve (port: number): void {
  const server = createServer({ allowHalfOpen: true }, socket => {
    const hash = createHash('sha256')
    socket.on('data', (chunk: Buffer) => hash.update(chunk))
    socket.on('end', () => { socket.end(hash.digest('hex') + '\n') })
    // A sender that gave up resets the connection; the next one is unaffected.
    socket.on('error', () => {})
  })
  server.listen(port, '0.0.0.0', () => { print({ event: 'listening' }) })
}

async function send (ip: string, port: number, total: number, timeoutMs: number): Promise<boolean> {
  const started = performance.now()
  const socket = connect({ host: ip, port })
  const deadline = setTimeout(() => socket.destroy(new Error(`not done within ${timeoutMs} ms`)), timeoutMs)
  const reply: Buffer[] = []
  socket.on('data', (chunk: Buffer) => reply.push(chunk))
  const hash = createHash('sha256')
  try {
    await once(socket, 'connect')
    for (let sent = 0; sent < total;) {
      const chunk = randomBytes(Math.min(CHUNK_BYTES, total - sent))
      hash.update(chunk)
      sent += chunk.length
      if (!socket.write(chunk)) await once(socket, 'drain')
    }
    socket.end()
    await once(socket, 'close')
  } catch (err) {
    socket.destroy()
    print({ bytes: total, error: (err as Error).message })
    return false
  } finally {
    clearTimeout(deadline)
  }
  const sha256 = hash.digest('hex')
  const received = Buffer.concat(reply).toString('utf8').trim()
  print({ bytes: total, sha256, received: received === '' ? undefined : received, ms: Math.round(performance.now() - started) })
  return received === sha256
}

const [mode, ...args] = process.argv.slice(2)
if (mode === 'serve' && args.length === 1) {
  serve(Number(args[0]))
} else if (mode === 'send' && args.length === 4) {
  const [ip, port, bytes, timeoutMs] = args
  process.exitCode = await send(ip, Number(port), Number(bytes), Number(timeoutMs)) ? 0 : 1
} else {
  process.stderr.write('usage: transfer-agent serve <port> | send <ip> <port> <bytes> <timeout-ms>\n')
  process.exitCode = 2
}
