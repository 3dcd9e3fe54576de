/**
 * The `users` bucket (spec §8): a peer that wants to reach services and files announces itself
 * there, and a serving side resets streams from peers without an entry.
 */
import { announce, BUCKETS } from '@edgevpn/ledger'
import { formatGoLocal, goStruct } from '@edgevpn/go-compat'
import { NotAUserError } from './errors.js'
import type { Announcement, AnnounceInit, Ledger } from '@edgevpn/ledger'
import type { GoStruct } from '@edgevpn/go-compat'
import type { Logger } from '@edgevpn/mesh-core'
import type { StreamHandler } from '@libp2p/interface'

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

/** Wraps a stream handler so that streams from peers that are not users are reset before it runs. */
export function usersOnly (ledger: Ledger, logger: Logger, handler: StreamHandler): StreamHandler {
  return async (stream, connection) => {
    const peer = connection.remotePeer.toString()
    if (!isUser(ledger, peer)) {
      logger.debug('refused a stream from a peer without a users entry', { peer, protocol: stream.protocol })
      stream.abort(new NotAUserError(peer))
      return
    }
    await handler(stream, connection)
  }
}
