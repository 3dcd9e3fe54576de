import { chmodSync, lstatSync, unlinkSync } from 'node:fs'
import { connect } from 'node:net'
import { ApiListenError } from './errors.js'
import { UNIX_SOCKET_SCHEME } from '@edgevpn/api-client'
import { parseListenAddress, parseSocketMode } from './listen-address.js'
import type { Server } from 'node:net'

/** systemd passes the first activated socket as file descriptor 3 (sd_listen_fds(3)). */
const SYSTEMD_FIRST_FD = 3

/** How long the probe of an existing socket file may take before it counts as in use. */
const SOCKET_PROBE_TIMEOUT_MS = 250

/** What a listening server needs undone when it stops. */
export interface Listening {
  /** The bound address: `host:port`, `unix:///path`, or `fd://3` for a systemd socket. */
  readonly address: string
  /** Removes the socket file we created (never a systemd-owned one). */
  readonly cleanup: () => void
}

/**
 * Makes `server` listen on `address` with Go edgevpn's rules. For `unix://` addresses a socket
 * handed over by systemd (`LISTEN_PID`/`LISTEN_FDS` in `env`) wins; otherwise a stale socket
 * file is replaced, a live one or a non-socket file is refused, and the new socket gets the
 * mode from `APILISTENUNIXMODE` before the first connection is accepted.
 *
 * @throws ApiListenError naming the address and the problem
 */
export async function listen (server: Server, address: string, env: NodeJS.ProcessEnv): Promise<Listening> {
  const parsed = parseListenAddress(address)
  if (parsed.kind === 'tcp') {
    await bind(server, address, () => { server.listen(parsed.port, parsed.host) })
    const bound = server.address()
    const text = typeof bound === 'object' && bound !== null
      ? `${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}`
      : address
    return { address: text, cleanup: () => {} }
  }

  if (systemdActivated(env)) {
    await bind(server, address, () => { server.listen({ fd: SYSTEMD_FIRST_FD }) })
    return { address: `fd://${SYSTEMD_FIRST_FD}`, cleanup: () => {} }
  }

  const { path } = parsed
  await removeStaleSocket(path)
  const mode = parseSocketMode(env.APILISTENUNIXMODE)
  await bind(server, address, () => { listenPrivately(server, path) }, () => {
    try {
      chmodSync(path, mode)
    } catch (err) {
      throw new Error(`chmod socket ${path}: ${(err as Error).message}`)
    }
  })
  const { ino } = lstatSync(path)
  return {
    address: `${UNIX_SOCKET_SCHEME}${path}`,
    cleanup: () => {
      // only our own socket: another process may have replaced the file since
      if (statOrUndefined(path)?.ino === ino) unlinkSync(path)
    }
  }
}

/**
 * Whether systemd socket activation applies to this process.
 *
 * @throws ApiListenError for non-numeric values or a count other than one socket
 */
function systemdActivated (env: NodeJS.ProcessEnv): boolean {
  const pidText = env.LISTEN_PID ?? ''
  const fdsText = env.LISTEN_FDS ?? ''
  if (pidText === '' || fdsText === '') return false
  const pid = parseDecimal(pidText)
  if (pid === undefined) throw new ApiListenError(`systemd socket activation: invalid LISTEN_PID "${pidText}"`)
  // the sockets are addressed to one process; a parent's leftover environment is not for us
  if (pid !== process.pid) return false
  const fds = parseDecimal(fdsText)
  if (fds === undefined) throw new ApiListenError(`systemd socket activation: invalid LISTEN_FDS "${fdsText}"`)
  if (fds !== 1) {
    throw new ApiListenError(`systemd socket activation: LISTEN_FDS=${fds}, expected exactly 1 (only the API socket can be passed)`)
  }
  return true
}

function parseDecimal (text: string): number | undefined {
  return /^[+-]?\d{1,15}$/.test(text) ? Number(text) : undefined
}

async function removeStaleSocket (path: string): Promise<void> {
  let stats
  try {
    stats = lstatSync(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return
    throw new ApiListenError(`stat socket ${path}: ${(err as Error).message}`)
  }
  if (!stats.isSocket()) throw new ApiListenError(`refusing to remove non-socket file at ${path}`)
  if (await socketInUse(path)) throw new ApiListenError(`socket ${path} is already in use by another process`)
  try {
    unlinkSync(path)
  } catch (err) {
    throw new ApiListenError(`remove stale socket ${path}: ${(err as Error).message}`)
  }
}

/**
 * Whether something serves on the socket. Only a refused connection proves the file is stale;
 * any other failure counts as in use, so a working socket is never unlinked.
 */
async function socketInUse (path: string): Promise<boolean> {
  return new Promise(resolve => {
    const socket = connect({ path })
    const finish = (inUse: boolean): void => {
      socket.destroy()
      resolve(inUse)
    }
    socket.setTimeout(SOCKET_PROBE_TIMEOUT_MS, () => { finish(true) })
    socket.once('connect', () => { finish(true) })
    socket.on('error', (err: NodeJS.ErrnoException) => { finish(err.code !== 'ECONNREFUSED') })
  })
}

/**
 * Binds the socket with a umask that leaves it owner-only, so it is never reachable with a
 * wider mode than the one chmod sets next. Node binds synchronously inside `listen()`, which
 * keeps the umask change from affecting anything else. Worker threads cannot change the umask;
 * there the chmod before the first accept still applies.
 */
function listenPrivately (server: Server, path: string): void {
  let previous: number | undefined
  try {
    previous = process.umask(0o177)
  } catch {}
  try {
    server.listen(path)
  } finally {
    if (previous !== undefined) process.umask(previous)
  }
}

/**
 * Runs `start` and waits for `listening` or `error`. `onListening` runs in the `listening`
 * event, before the event loop accepts any connection.
 */
async function bind (server: Server, address: string, start: () => void, onListening: () => void = () => {}): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const fail = (err: Error): void => {
      server.off('error', fail)
      server.off('listening', ready)
      reject(new ApiListenError(`API listen on ${address}: ${err.message}`, { cause: err }))
    }
    const ready = (): void => {
      server.off('error', fail)
      try {
        onListening()
        resolve()
      } catch (err) {
        server.close()
        reject(new ApiListenError(`API listen on ${address}: ${(err as Error).message}`))
      }
    }
    server.once('error', fail)
    server.once('listening', ready)
    try {
      start()
    } catch (err) {
      fail(err as Error)
    }
  })
}

function statOrUndefined (path: string): { ino: number } | undefined {
  try {
    return lstatSync(path)
  } catch {
    return undefined
  }
}
