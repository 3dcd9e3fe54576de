/**
 * The `services` and `files` buckets (spec §8.1, §8.2): the key is the service or file name, the
 * value names the peer that provides it.
 */
import { announce, BUCKETS, ownerFromPeerIdField } from '@edgevpn/ledger'
import { goStruct } from '@edgevpn/go-compat'
import { peerIdFromString } from '@libp2p/peer-id'
import type { Announcement, AnnounceInit, Ledger } from '@edgevpn/ledger'
import type { GoStruct } from '@edgevpn/go-compat'
import type { PeerId } from '@libp2p/interface'

export type ProviderBucket = typeof BUCKETS.services | typeof BUCKETS.files

/** Go's `types.Service` / `types.File`: `{"PeerID","Name"}` in Go's field order. */
export function providerValue (peerId: string, name: string): GoStruct {
  return goStruct({ PeerID: peerId, Name: name })
}

/**
 * Go's announce loop of `RegisterService` and `ShareFile`: writes `bucket[name]` naming us
 * whenever it is missing or names another peer.
 */
export function announceProvider (ledger: Ledger, bucket: ProviderBucket, name: string, peerId: string, init: AnnounceInit): Announcement {
  return announce(async () => {
    const current = ledger.getRaw(bucket, name)
    if (current === undefined || ownerFromPeerIdField(name, current) !== peerId) {
      await ledger.put(bucket, name, providerValue(peerId, name))
    }
    return false
  }, init)
}

/** The peer that provides `name`, or undefined when nobody does or the entry names no valid peer. */
export function findProvider (ledger: Ledger, bucket: ProviderBucket, name: string): PeerId | undefined {
  const value = ledger.getRaw(bucket, name)
  if (value === undefined) return undefined
  try {
    return peerIdFromString(ownerFromPeerIdField(name, value))
  } catch {
    return undefined
  }
}
