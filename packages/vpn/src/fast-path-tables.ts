import { BUCKETS } from '@edgevpn/ledger'
import { parseIPv4, parseIPv6 } from '@edgevpn/go-compat'
import type { MachineDirectory } from './machine-directory.js'
import type { Router } from './router.js'
import type { Ledger } from '@edgevpn/ledger'
import type { AllowedSources, FastPath, FastReceiveChannel, FastSendChannel } from '@edgevpn/tun'

export interface FastPathTablesComponents {
  fastPath: Pick<FastPath, 'replaceRoutes'>
  /** Decides, as for every other packet, which peer a destination goes to (liveness included). */
  router: Pick<Router, 'routeAddress'>
  machines: MachineDirectory
  /** Its healthcheck bucket changes owner liveness, and with it routes. */
  ledger: Pick<Ledger, 'watch'>
}

export interface FastPathTablesInit {
  /** Go `--static-peertable` (parsed): when set, a peer owns exactly the addresses it maps to it. @default undefined */
  staticPeerTable?: ReadonlyMap<string, string>
  /** Go `--router` (canonical text): its owner may send from any source. @default undefined */
  router?: string
  /** How often routes are recomputed anyway, in ms (liveness also ages without ledger changes). @default 1000 */
  refreshInterval?: number
}

/**
 * The tables of the native fast path, kept in step with the ledger: which destination addresses
 * the send thread routes to which fast channel (exactly those {@link Router} would send to that
 * channel's peer; all others reach JS), and which source addresses each receive channel accepts
 * (those its peer owns, as the source guard decides for the other paths).
 */
export class FastPathTables {
  readonly #components: FastPathTablesComponents
  readonly #table: ReadonlyMap<string, string> | undefined
  readonly #router: string | undefined
  readonly #senders = new Map<string, FastSendChannel>()
  readonly #receivers = new Map<FastReceiveChannel, string>()
  /** The routes last handed to the fast path, so that an unchanged table costs its send thread nothing. */
  #installed: Array<[Uint8Array, FastSendChannel]> = []
  readonly #stops: Array<() => void>

  constructor (components: FastPathTablesComponents, init: FastPathTablesInit = {}) {
    this.#components = components
    this.#table = init.staticPeerTable
    this.#router = init.router
    const timer = setInterval(() => { this.#updateRoutes() }, init.refreshInterval ?? 1000)
    timer.unref()
    this.#stops = [
      () => { clearInterval(timer) },
      components.machines.onChange(() => {
        this.#updateRoutes()
        this.#updateSources()
      }),
      components.ledger.watch({ bucket: BUCKETS.healthcheck }, () => { this.#updateRoutes() })
    ]
  }

  /** Routes the peer's addresses to `channel` from now on. */
  addSender (peer: string, channel: FastSendChannel): void {
    this.#senders.set(peer, channel)
    this.#updateRoutes()
  }

  /** Stops routing to `channel` (a newer channel of the peer stays). */
  removeSender (peer: string, channel: FastSendChannel): void {
    if (this.#senders.get(peer) !== channel) return
    this.#senders.delete(peer)
    this.#updateRoutes()
  }

  /** The sources `peer` may send from now; {@link addReceiver} keeps a channel's up to date. */
  sourcesOf (peer: string): AllowedSources {
    const owner = this.#router === undefined ? undefined : this.#ownerOf(this.#router)
    return { addresses: this.#addressesOf(peer).flatMap(addressBytes), any: owner === peer }
  }

  addReceiver (channel: FastReceiveChannel, peer: string): void {
    this.#receivers.set(channel, peer)
  }

  removeReceiver (channel: FastReceiveChannel): void {
    this.#receivers.delete(channel)
  }

  close (): void {
    for (const stop of this.#stops) stop()
    this.#senders.clear()
    this.#receivers.clear()
  }

  #updateRoutes (): void {
    const now = Date.now()
    const routes: Array<[Uint8Array, FastSendChannel]> = []
    for (const [peer, channel] of this.#senders) {
      for (const address of this.#addressesOf(peer)) {
        const target = this.#components.router.routeAddress(address, now)
        if (typeof target === 'string' || target.toString() !== peer) continue
        for (const bytes of addressBytes(address)) routes.push([bytes, channel])
      }
    }
    if (sameRoutes(routes, this.#installed)) return
    this.#installed = routes
    this.#components.fastPath.replaceRoutes(routes)
  }

  #updateSources (): void {
    for (const [channel, peer] of this.#receivers) channel.setAllowedSources(this.sourcesOf(peer))
  }

  #addressesOf (peer: string): readonly string[] {
    if (this.#table === undefined) return this.#components.machines.addressesOf(peer)
    return [...this.#table].filter(([, owner]) => owner === peer).map(([address]) => address)
  }

  #ownerOf (address: string): string | undefined {
    return this.#table === undefined ? this.#components.machines.peerOf(address) : this.#table.get(address)
  }
}

function sameRoutes (a: ReadonlyArray<[Uint8Array, FastSendChannel]>, b: ReadonlyArray<[Uint8Array, FastSendChannel]>): boolean {
  return a.length === b.length && a.every(([address, channel], i) => channel === b[i][1] && Buffer.compare(address, b[i][0]) === 0)
}

/** The 4 or 16 bytes of an IP address in text; none for anything else. */
function addressBytes (address: string): Uint8Array[] {
  const v4 = parseIPv4(address)
  if (v4 !== undefined) return [Uint8Array.of(v4 >>> 24, (v4 >>> 16) & 0xff, (v4 >>> 8) & 0xff, v4 & 0xff)]
  const v6 = parseIPv6(address)
  return v6 === undefined ? [] : [v6]
}

/** What the fast channel's two ends need to hand their sockets to the native fast path. */
export interface NativeFastChannels {
  fastPath: FastPath
  tables: FastPathTables
}
