/**
 * The `users` bucket (spec §8): a peer that wants to reach services and files announces itself
 * there, and a serving side resets streams from peers without an entry (after a short wait for it,
 * where Go resets at once).
 */
import { announce, BUCKETS } from '@edgevpn/ledger'
import { formatGoLocal, goStruct } from '@edgevpn/go-compat'
import { NotAUserError } from './errors.js'
import type { Announcement, AnnounceInit, Ledger } from '@edgevpn/ledger'
import type { GoStruct } from '@edgevpn/go-compat'
import type { Logger } from '@edgevpn/mesh-core'
import type { StreamHandler } from '@libp2p/interface'
import type { UsersGateOptions } from './service-types.js'

/**
 * Go's `types.User`: the peer ID and Go's `time.Now().String()` (local zone, monotonic reading),
 * fields in Go's order so the text is byte-identical.
 */
export function userValue (peerId: string, nowMs: number = Date.now(), monotonicMs: number = performance.now()): GoStruct {
  return goStruct({ PeerID: peerId, Timestamp: formatGoLocal(nowMs, monotonicMs) })
}

/**
 * Go's users announce loop: writes `users[peerId]` whenever it is missing. An entry already there
 * is left alone (its Timestamp is never refreshed, as in Go).
 */
export function announceUser (ledger: Ledger, peerId: string, init: AnnounceInit): Announcement {
  return announce(async () => {
    if (ledger.getRaw(BUCKETS.users, peerId) === undefined) await ledger.put(BUCKETS.users, peerId, userValue(peerId))
    return false
  }, init)
}

/** Whether `peerId` is a live (not deleted) key of the `users` bucket. */
export function isUser (ledger: Ledger, peerId: string): boolean {
  return ledger.getRaw(BUCKETS.users, peerId) !== undefined
}

const DEFAULT_USER_WAIT_MS = 10_000

/**
 * Resolves true once `peerId` is a user, false when `timeoutMs` passes or `signal` aborts first.
 */
async function waitForUser (ledger: Ledger, peerId: string, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
  if (isUser(ledger, peerId)) return true
  if (timeoutMs <= 0 || signal?.aborted === true) return false
  return await new Promise(resolve => {
    const settle = (admitted: boolean): void => {
      stopWatching()
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      resolve(admitted)
    }
    const onAbort = (): void => { settle(false) }
    const stopWatching = ledger.watch({ bucket: BUCKETS.users, key: peerId }, () => { if (isUser(ledger, peerId)) settle(true) })
    const timer = setTimeout(() => { settle(false) }, timeoutMs)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/**
 * Wraps a stream handler so that it runs only for users: a stream from a peer without a `users`
 * entry waits `userWaitMs` for one (see {@link UsersGateOptions}), then is reset.
 */
export function usersOnly (ledger: Ledger, logger: Logger, handler: StreamHandler, { userWaitMs = DEFAULT_USER_WAIT_MS }: UsersGateOptions = {}): StreamHandler {
  return async (stream, connection) => {
    const peer = connection.remotePeer.toString()
    const gone = new AbortController()
    const onClose = (): void => { gone.abort() }
    stream.addEventListener('close', onClose, { once: true })
    const admitted = await waitForUser(ledger, peer, userWaitMs, gone.signal)
    stream.removeEventListener('close', onClose)
    if (!admitted) {
      logger.debug('refused a stream from a peer without a users entry', { peer, protocol: stream.protocol, waitedMs: userWaitMs })
      stream.abort(new NotAUserError(peer))
      return
    }
    await handler(stream, connection)
  }
}
