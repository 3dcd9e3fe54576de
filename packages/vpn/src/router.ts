import { BUCKETS } from '@edgevpn/ledger'
import { peerIdFromString } from '@libp2p/peer-id'
import { checkIpPacket, ipv4Destination, ipv4Source, ipv6DestinationText, ipv6SourceEquals } from './ip-packet.js'
import { formatIPv4, parseIPv4, parseIPv6 } from '@edgevpn/go-compat'
import type { MachineDirectory } from './machine-directory.js'
import type { DropReason } from './vpn-stats.js'
import type { Ledger } from '@edgevpn/ledger'
import type { PeerId } from '@libp2p/interface'

export interface RouterInit {
  /** This node's peer ID: packets resolving to it are dropped instead of dialing ourselves. */
  self: string
  /** This node's interface addresses (IPv4 and/or IPv6 text), the sources `router` applies to. */
  localAddresses: readonly string[]
  /**
   * Go `--router`: the VPN IP of the peer that receives our packets whose destination has no
   * machines entry. @default undefined (no fallback)
   */
  router?: string
  /**
   * Go `--static-peertable` (see `parseStaticPeerTable`): when set it alone decides the peer of a
   * destination and the ledger is not consulted. @default undefined (route by the machines bucket)
   */
  staticPeerTable?: ReadonlyMap<string, string>
  /**
   * How long an owner liveness verdict is reused when ownership is on; heartbeat changes also
   * clear it. @default 1000
   */
  livenessCacheMs?: number
  /**
   * Most destinations remembered before the cache starts over (bounds memory when traffic
   * scans addresses). @default 4096
   */
  maxCachedDestinations?: number
}

/** What a destination resolves to, cached until the machines bucket changes. */
interface Destination {
  /** Whether the machines bucket has an entry for it (decides the `--router` fallback). */
  readonly inMachines: boolean
  /** The peer that serves it, or why none does. */
  readonly target: PeerId | DropReason
  /** The peer's base58 text, for the liveness check. */
  readonly peerText: string
}

/**
 * Resolves the destination of each outbound packet to the peer that serves it (Go `handleFrame`,
 * spec §7.3). After the first packet to a destination, a lookup is one Map read (keyed by the
 * 32-bit address for IPv4, by Go's text for IPv6) plus, with ownership on, a cached liveness check.
 */
export class Router {
  readonly #ledger: Ledger
  readonly #machines: MachineDirectory
  readonly #self: string
  readonly #static: ReadonlyMap<string, string> | undefined
  readonly #router: string | undefined
  readonly #local4: number | undefined
  readonly #local6: Uint8Array | undefined
  readonly #livenessCacheMs: number
  readonly #maxCached: number
  readonly #byIPv4 = new Map<number, Destination>()
  readonly #byText = new Map<string, Destination>()
  /** Decoded peer IDs, shared by the destinations a peer serves. */
  readonly #peerIds = new Map<string, PeerId | undefined>()
  readonly #liveness = new Map<string, { live: boolean, until: number }>()
  readonly #unsubscribe: Array<() => void>

  constructor (components: { ledger: Ledger, machines: MachineDirectory }, init: RouterInit) {
    this.#ledger = components.ledger
    this.#machines = components.machines
    this.#self = init.self
    this.#static = init.staticPeerTable
    this.#router = init.router
    this.#local4 = init.localAddresses.map(parseIPv4).find(address => address !== undefined)
    this.#local6 = init.localAddresses.map(parseIPv6).find(address => address !== undefined)
    this.#livenessCacheMs = init.livenessCacheMs ?? 1000
    this.#maxCached = init.maxCachedDestinations ?? 4096
    this.#unsubscribe = [
      components.machines.onChange(() => { this.#forgetDestinations() }),
      components.ledger.watch({ bucket: BUCKETS.healthcheck }, () => { this.#liveness.clear() })
    ]
  }

  /**
   * The peer to send the packet at `bytes[offset, offset + length)` to, or why it is dropped.
   * Never throws.
   *
   * @param now - the current time in ms (read once per batch)
   */
  route (bytes: Uint8Array, offset: number, length: number, now: number): PeerId | DropReason {
    const version = checkIpPacket(bytes, offset, length)
    let destination: Destination
    let fromUs: boolean
    if (version === 4) {
      destination = this.#ipv4Destination(ipv4Destination(bytes, offset))
      fromUs = this.#local4 === ipv4Source(bytes, offset)
    } else if (version === 6) {
      destination = this.#textDestination(ipv6DestinationText(bytes, offset))
      fromUs = this.#local6 !== undefined && ipv6SourceEquals(bytes, offset, this.#local6)
    } else {
      return 'malformed'
    }
    if (this.#router !== undefined && fromUs && !destination.inMachines) {
      destination = this.#textDestination(this.#router)
    }
    return this.#peerFor(destination, now)
  }

  /** The peer serving a destination given as Go IP text (no packet needed). */
  routeAddress (ip: string, now: number): PeerId | DropReason {
    return this.#peerFor(this.#textDestination(ip), now)
  }

  close (): void {
    for (const unsubscribe of this.#unsubscribe) unsubscribe()
  }

  #peerFor (destination: Destination, now: number): PeerId | DropReason {
    const target = destination.target
    if (typeof target === 'string') return target
    // Go checks the owner only when routing by the ledger, not by the static table
    if (this.#static === undefined && this.#ledger.mode !== 'off' && !this.#isLive(destination.peerText, now)) return 'owner-offline'
    return target
  }

  #isLive (peer: string, now: number): boolean {
    const cached = this.#liveness.get(peer)
    if (cached !== undefined && cached.until > now) return cached.live
    const live = this.#ledger.isOwnerLive(peer)
    this.#liveness.set(peer, { live, until: now + this.#livenessCacheMs })
    return live
  }

  #ipv4Destination (address: number): Destination {
    let destination = this.#byIPv4.get(address)
    if (destination === undefined) {
      destination = this.#resolve(formatIPv4(address))
      this.#remember(this.#byIPv4, address, destination)
    }
    return destination
  }

  #textDestination (text: string): Destination {
    let destination = this.#byText.get(text)
    if (destination === undefined) {
      destination = this.#resolve(text)
      this.#remember(this.#byText, text, destination)
    }
    return destination
  }

  #resolve (text: string): Destination {
    const machinePeer = this.#machines.peerOf(text)
    const inMachines = machinePeer !== undefined
    const peer = this.#static === undefined ? machinePeer : this.#static.get(text)
    if (peer === undefined) return { inMachines, target: 'no-route', peerText: '' }
    if (peer === this.#self) return { inMachines, target: 'local-peer', peerText: peer }
    if (!this.#peerIds.has(peer)) this.#peerIds.set(peer, decodePeerId(peer))
    return { inMachines, target: this.#peerIds.get(peer) ?? 'invalid-peer-id', peerText: peer }
  }

  #remember<K> (cache: Map<K, Destination>, key: K, destination: Destination): void {
    if (this.#byIPv4.size + this.#byText.size >= this.#maxCached) this.#forgetDestinations()
    cache.set(key, destination)
  }

  #forgetDestinations (): void {
    this.#byIPv4.clear()
    this.#byText.clear()
    this.#peerIds.clear()
  }
}

function decodePeerId (text: string): PeerId | undefined {
  try {
    return peerIdFromString(text)
  } catch {
    return undefined
  }
}
