/**
 * Reservations on static relays (Go `--autorelay-static-peer`), made after the node started and
 * retried until they succeed: a relay that only serves network members refuses us until our
 * first heartbeat reached its ledger, and libp2p gives up on a refused relay listen address.
 *
 * The service also routes peers: a peer we know only by its ID (from the ledger) and have no
 * address for is looked up as a circuit through each static relay, where the members of a
 * NATed site hold their reservations. Without it such peers are found only through the DHT,
 * which a relay may not serve (a Go relay on a private network serves none).
 */
import { peerRoutingSymbol } from '@libp2p/interface'
import type { PeerId, PeerInfo, PeerRouting, Startable } from '@libp2p/interface'
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
  readonly #relays: Multiaddr[]
  readonly #pending: Multiaddr[]
  readonly #retryInterval: number
  readonly #ready: () => boolean
  #timer?: ReturnType<typeof setTimeout>
  #stopped = false

  constructor (components: RelayReservationsComponents, init: RelayReservationsInit) {
    this.#components = components
    this.#relays = init.relays
    this.#pending = init.relays.map(relay => relay.encapsulate('/p2p-circuit'))
    this.#retryInterval = init.retryInterval ?? 5_000
    this.#ready = init.ready ?? (() => true)
  }

  readonly [Symbol.toStringTag] = 'edgevpn:relay-reservations'

  readonly [peerRoutingSymbol]: Partial<PeerRouting> = {
    findPeer: async (peer: PeerId): Promise<PeerInfo> => ({
      id: peer,
      multiaddrs: this.#relays
        .filter(relay => relay.getComponents().findLast(component => component.name === 'p2p')?.value !== peer.toString())
        .map(relay => relay.encapsulate(`/p2p-circuit/p2p/${peer.toString()}`))
    })
  }

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
