/**
 * Go edgevpn's `NetworkOnlyACL` for our relay service: only network members may hold a
 * reservation. Members are the peers with a key in the ledger's `healthcheck` bucket (every
 * node running the alive service writes its heartbeat there, and only token holders can write
 * to the ledger). Until the bucket has a key the ACL is open, so a new network can bootstrap.
 */
import { BUCKETS } from '@edgevpn/ledger'
import type { Ledger } from '@edgevpn/ledger'
import type { Logger } from '@edgevpn/mesh-core'
import type { PeerId } from '@libp2p/interface'

export interface RelayMemberAclInit {
  /** How often the member list is read from the ledger, in ms (`--relay-service-acl-refresh`). */
  refreshMs: number
}

export class RelayMemberAcl {
  readonly #logger: Logger
  #members = new Set<string>()
  #timer?: ReturnType<typeof setInterval>

  constructor (logger: Logger) {
    this.#logger = logger
  }

  /** Whether `peer` may reserve a slot; a refusal is logged. */
  readonly allows = (peer: PeerId): boolean => {
    if (this.#members.size === 0 || this.#members.has(peer.toString())) return true
    this.#logger.info('relay reservation refused: not a network member', { peer: peer.toString() })
    return false
  }

  /** Reads the members now and then every `refreshMs`. */
  start (ledger: Ledger, init: RelayMemberAclInit): void {
    const refresh = (): void => {
      this.#members = new Set(ledger.currentData().get(BUCKETS.healthcheck)?.keys())
    }
    refresh()
    this.#timer = setInterval(refresh, init.refreshMs)
    this.#timer.unref()
  }

  stop (): void {
    clearInterval(this.#timer)
  }
}
