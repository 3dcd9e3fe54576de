/**
 * File transfer over the mesh (Go `pkg/services/files.go`, spec §8.2): one peer shares a file
 * under a name, others download it once. The wire is Go's: protocol `/edgevpn/file/0.1`, the
 * file's bytes, then the sender closes the stream.
 */
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { constants, createReadStream, createWriteStream } from 'node:fs'
import { access, rename, rm, stat } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import { BUCKETS } from '@edgevpn/ledger'
import { ServiceConfigError, TooManyTransfersError } from './errors.js'
import { announceProvider, findProvider } from './providers.js'
import { StreamSocket } from '../net/stream-socket.js'
import { TaskGroup } from './task-group.js'
import { announceUser, usersOnly } from './users.js'
import type { RunningService, ServiceComponents, UsersGateOptions } from './service-types.js'
import type { PeerId, Stream } from '@libp2p/interface'

export const FILE_PROTOCOL = '/edgevpn/file/0.1'

export interface ShareFileInit extends UsersGateOptions {
  /** The file's name: its key in the `files` bucket. */
  name: string
  path: string
  /** Max interval of the announce loop in ms (`--ledger-announce-interval`). @default 10000 */
  announceIntervalMs?: number
  /** Most downloads served at once; more are refused. @default 64 */
  maxTransfers?: number
}

export interface ReceiveFileInit {
  /** The name the file is shared under. */
  name: string
  /** Where the file is written; it appears there complete or not at all. */
  path: string
  /** Max interval of the users announce loop in ms (`--ledger-announce-interval`). @default 10000 */
  announceIntervalMs?: number
  /** Wait between attempts while the file is not shared yet or a download fails, in ms (Go: 5 s). @default 5000 */
  retryIntervalMs?: number
  /** Limit for opening the stream, in ms. @default 15000 */
  dialTimeoutMs?: number
  /** Gives up (rejecting with the reason) when aborted. */
  signal?: AbortSignal
}

/**
 * Checks that `path` can be shared, as Go's `stat` at startup does (and that it is a regular file,
 * which Go only finds out when a download fails).
 *
 * @throws ServiceConfigError naming the file and the problem
 */
export async function checkSharedFile (path: string): Promise<void> {
  const info = await stat(path).catch((err: NodeJS.ErrnoException) => {
    throw new ServiceConfigError(`cannot share "${path}": ${describeFsError(err)}`)
  })
  if (!info.isFile()) throw new ServiceConfigError(`cannot share "${path}": not a regular file`)
}

/**
 * Checks that a file can be created at `path` (its directory exists and is writable), so that a
 * download does not fail only after the file was found.
 *
 * @throws ServiceConfigError naming the path and the problem
 */
export async function checkReceivePath (path: string): Promise<void> {
  await access(dirname(path), constants.W_OK).catch((err: NodeJS.ErrnoException) => {
    throw new ServiceConfigError(`cannot write "${path}": ${describeFsError(err)}`)
  })
}

/**
 * Shares the file at `path` as `name`: announces it in the `files` bucket and sends its content
 * to every peer with a `users` entry that opens a stream; other peers' streams are reset.
 *
 * @throws ServiceConfigError when the file cannot be shared
 */
export async function shareFile (components: ServiceComponents, init: ShareFileInit): Promise<RunningService> {
  const { libp2p, ledger } = components
  const logger = components.logger.child('files')
  await checkSharedFile(init.path)
  const maxTransfers = init.maxTransfers ?? 64
  const transfers = new TaskGroup(maxTransfers)

  await libp2p.handle(FILE_PROTOCOL, usersOnly(ledger, logger, async (stream, connection) => {
    const peer = connection.remotePeer.toString()
    const started = transfers.tryStart(async (stop) => {
      await sendFile(stream, init.path, stop).then(
        bytes => { logger.info('file sent', { name: init.name, peer, bytes }) },
        (err: Error) => { logger.warn('sending the file failed', { name: init.name, peer, error: err.message }) })
    })
    if (!started) stream.abort(new TooManyTransfersError(maxTransfers))
  }, init), { runOnLimitedConnection: true, maxInboundStreams: maxTransfers })

  const announcement = announceProvider(ledger, BUCKETS.files, init.name, libp2p.peerId.toString(), {
    intervalMs: init.announceIntervalMs ?? 10_000,
    onError: err => { logger.warn('announcing the file failed', { error: err }) }
  })
  logger.info('sharing a file', { name: init.name, path: init.path })

  return {
    stop: async () => {
      await libp2p.unhandle(FILE_PROTOCOL)
      await announcement.stop()
      await transfers.close(new Error('file sharing stopped'))
    }
  }
}

/** The file's content into `stream`, then the stream's end; any failure resets the stream. */
async function sendFile (stream: Stream, path: string, stop: AbortSignal): Promise<number> {
  const file = createReadStream(path)
  const peer = new StreamSocket(stream)
  // a reset after the file is sent must not be thrown as an unhandled 'error'
  peer.on('error', () => {})
  // ending the socket closes the stream once the file is sent; a failure destroys it, resetting the stream
  await pipeline(file, peer, { signal: stop })
  return file.bytesRead
}

/**
 * Downloads file `name` to `path`: announces us in the `users` bucket, then until a download
 * succeeds, looks the file up in the `files` bucket and fetches it from its provider. Each attempt
 * writes a temporary file next to `path` (mode 0644; Go uses 0755) and renames it into place
 * only once the sender has closed the stream, so an interrupted transfer never leaves a
 * truncated file at `path`.
 *
 * @returns the size of the file
 * @throws ServiceConfigError when the file cannot be written locally (retrying would not help)
 */
export async function receiveFile (components: ServiceComponents, init: ReceiveFileInit): Promise<number> {
  const { libp2p, ledger } = components
  const logger = components.logger.child('files')
  const retryIntervalMs = init.retryIntervalMs ?? 5000
  await checkReceivePath(init.path)
  const announcement = announceUser(ledger, libp2p.peerId.toString(), {
    intervalMs: init.announceIntervalMs ?? 10_000,
    signal: init.signal,
    onError: err => { logger.warn('announcing the user failed', { error: err }) }
  })
  try {
    for (;;) {
      init.signal?.throwIfAborted()
      const provider = findProvider(ledger, BUCKETS.files, init.name)
      if (provider === undefined) {
        logger.debug('no peer shares the file yet', { name: init.name })
      } else {
        try {
          const bytes = await download(components, provider, init)
          logger.info('file received', { name: init.name, path: init.path, bytes })
          return bytes
        } catch (err) {
          if (err instanceof ServiceConfigError) throw err
          init.signal?.throwIfAborted()
          logger.warn('download failed, retrying', { name: init.name, peer: provider.toString(), error: (err as Error).message })
        }
      }
      await sleep(retryIntervalMs, undefined, { signal: init.signal }).catch((err: unknown) => {
        init.signal?.throwIfAborted()
        throw err
      })
    }
  } finally {
    await announcement.stop()
  }
}

/** One attempt: the stream into a temporary file, renamed to `path` once complete. */
async function download ({ libp2p }: ServiceComponents, provider: PeerId, init: ReceiveFileInit): Promise<number> {
  const partial = join(dirname(init.path), `.${basename(init.path)}.${randomBytes(4).toString('hex')}.part`)
  const file = createWriteStream(partial, { flags: 'wx', mode: 0o644, flush: true })
  // a local failure is fatal (retrying cannot fix it); a network failure is retried. The file
  // system's errors carry a syscall; what pipeline forwards from the stream or the signal does not.
  let localError: NodeJS.ErrnoException | undefined
  file.on('error', (err: NodeJS.ErrnoException) => { if (err.syscall !== undefined) localError ??= err })
  let stream: Stream | undefined
  try {
    await once(file, 'open')
    const timeout = AbortSignal.timeout(init.dialTimeoutMs ?? 15_000)
    stream = await libp2p.dialProtocol(provider, FILE_PROTOCOL, {
      runOnLimitedConnection: true,
      signal: init.signal === undefined ? timeout : AbortSignal.any([init.signal, timeout])
    })
    const peer = new StreamSocket(stream)
    // a reset after the file is complete must not be thrown as an unhandled 'error'
    peer.on('error', () => {})
    // ends `file` only at the sender's end-of-data: a truncated stream fails instead
    await pipeline(peer, file, { signal: init.signal })
    await rename(partial, init.path).catch((err: NodeJS.ErrnoException) => {
      localError = err
      throw err
    })
    await stream.close()
    return file.bytesWritten
  } catch (err) {
    stream?.abort(err instanceof Error ? err : new Error(String(err)))
    file.destroy()
    await rm(partial, { force: true })
    if (localError !== undefined) throw new ServiceConfigError(`cannot write "${init.path}": ${describeFsError(localError)}`)
    throw err
  }
}

/** `no such file or directory` rather than Node's `ENOENT: no such file or directory, stat '/x'`. */
function describeFsError (err: NodeJS.ErrnoException): string {
  return err.syscall === undefined ? err.message : err.message.replace(/^[A-Z]+: /, '').replace(/, \w+ '.*'$/, '')
}
