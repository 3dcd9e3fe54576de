/**
 * Reservations on static relays (Go `--autorelay-static-peer`), made after the node started and
 * retried until they succeed: a relay that only serves network members refuses us until our
 * first heartbeat reached its ledger, and libp2p gives up on a refused relay listen address.
 */
import type { Startable } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

export interface RelayReservationsInit {
  /** The relays, each ending in `/p2p/<peer id>`. */
  relays: Multiaddr[]
  /** Wait between attempts on a relay that refused or failed, in ms. @default 5_000 */
  retryInterval?: number
  /**
   * Attempts wait until this says yes, e.g. until our heartbeat is in the ledger, so a relay
   * serving members only does not refuse us while it cannot know us yet. @default always
   */
  ready?: () => boolean
}

export interface RelayReservationsComponents {
  /** libp2p's transport manager (only `listen` is used). */
  transportManager: { listen: (addresses: Multiaddr[]) => Promise<void> }
}

/** A libp2p service: listens on `<relay>/p2p-circuit` for every static relay, retrying failures. */
export class RelayReservations implements Startable {
  readonly #components: RelayReservationsComponents
  readonly #pending: Multiaddr[]
  readonly #retryInterval: number
  readonly #ready: () => boolean
  #timer?: ReturnType<typeof setTimeout>
  #stopped = false

  constructor (components: RelayReservationsComponents, init: RelayReservationsInit) {
    this.#components = components
    this.#pending = init.relays.map(relay => relay.encapsulate('/p2p-circuit'))
    this.#retryInterval = init.retryInterval ?? 5_000
    this.#ready = init.ready ?? (() => true)
  }

  readonly [Symbol.toStringTag] = 'edgevpn:relay-reservations'

  start (): void {
    this.#stopped = false
  }

  afterStart (): void {
    void this.#reserve()
  }

  stop (): void {
    this.#stopped = true
    clearTimeout(this.#timer)
  }

  async #reserve (): Promise<void> {
    for (const address of this.#ready() ? [...this.#pending] : []) {
      if (this.#stopped) return
      try {
        await this.#components.transportManager.listen([address])
        this.#pending.splice(this.#pending.indexOf(address), 1)
      } catch {
        // refused or unreachable: tried again below
      }
    }
    if (this.#pending.length > 0 && !this.#stopped) this.#timer = setTimeout(() => { void this.#reserve() }, this.#retryInterval)
  }
}

export function relayReservations (init: RelayReservationsInit): (components: RelayReservationsComponents) => RelayReservations {
  return components => new RelayReservations(components, init)
}
