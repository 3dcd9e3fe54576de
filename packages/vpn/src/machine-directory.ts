import { BUCKETS, ownerFromPeerIdField } from '@edgevpn/ledger'
import type { Ledger } from '@edgevpn/ledger'

/**
 * The ledger's `machines` bucket as the data plane reads it: VPN IP → peer ID and the set of
 * member peers. Rebuilt lazily after the bucket changes, so lookups are Map reads.
 */
export class MachineDirectory {
  readonly #ledger: Ledger
  readonly #listeners = new Set<() => void>()
  readonly #unwatch: () => void
  #peerByIp: Map<string, string> | undefined
  #members: Set<string> | undefined
  #ipsByPeer: Map<string, string[]> | undefined

  constructor (ledger: Ledger) {
    this.#ledger = ledger
    this.#unwatch = ledger.watch({ bucket: BUCKETS.machines }, () => {
      this.#peerByIp = undefined
      this.#members = undefined
      this.#ipsByPeer = undefined
      for (const listener of this.#listeners) listener()
    })
  }

  /**
   * The `PeerID` of the live entry for `ip` (Go text form), `''` when the entry has none or is not
   * a JSON object, undefined when there is no entry.
   */
  peerOf (ip: string): string | undefined {
    return this.#table().get(ip)
  }

  /** The IPs (Go text form) of the live entries whose `PeerID` is `peerId`. */
  addressesOf (peerId: string): readonly string[] {
    if (this.#ipsByPeer === undefined) {
      this.#ipsByPeer = new Map()
      for (const [ip, peer] of this.#table()) {
        const ips = this.#ipsByPeer.get(peer)
        if (ips === undefined) this.#ipsByPeer.set(peer, [ip])
        else ips.push(ip)
      }
    }
    return this.#ipsByPeer.get(peerId) ?? []
  }

  /** Whether `peerId` is the `PeerID` of at least one live entry. */
  isMember (peerId: string): boolean {
    this.#members ??= new Set(this.#table().values())
    return this.#members.has(peerId)
  }

  /** Calls `listener` after every change of the bucket; returns the unsubscribe function. */
  onChange (listener: () => void): () => void {
    this.#listeners.add(listener)
    return () => { this.#listeners.delete(listener) }
  }

  close (): void {
    this.#unwatch()
    this.#listeners.clear()
  }

  #table (): Map<string, string> {
    if (this.#peerByIp === undefined) {
      const values = this.#ledger.currentData().get(BUCKETS.machines) ?? new Map<string, string>()
      this.#peerByIp = new Map([...values].map(([ip, value]) => [ip, ownerFromPeerIdField(ip, value)]))
    }
    return this.#peerByIp
  }
}
