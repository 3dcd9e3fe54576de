import { GO_VPN_PROTOCOL } from './protocols.js'
import { VPN_STREAM_OPTIONS } from './relayed-links.js'
import type { PeerTraffic, VpnCounters } from './vpn-stats.js'
import type { Logger } from '@edgevpn/mesh-core'
import type { Libp2p, PeerId } from '@libp2p/interface'

export interface GoStreamSenderInit {
  /** Go `--timeout`: how long opening a stream (and then writing and closing it) may take, in ms. */
  timeout: number
  /**
   * Packets per peer whose stream is still being opened or written; more are dropped. Go sends
   * from `--concurrency` (CPU count) workers, so this only bounds memory and stream counts.
   *
   * @default 64
   */
  maxInFlightPerPeer?: number
}

export interface GoStreamSenderComponents {
  libp2p: Pick<Libp2p, 'dialProtocol'>
  counters: VpnCounters
  logger: Logger
}

/**
 * Go edgevpn's sending side of `/edgevpn/0.1` (spec §7.3): every packet gets a new stream that
 * is opened (not on limited connections), written and closed.
 */
export class GoStreamSender {
  readonly #components: GoStreamSenderComponents
  readonly #timeout: number
  readonly #maxInFlight: number
  readonly #inFlight = new Map<string, number>()

  constructor (components: GoStreamSenderComponents, init: GoStreamSenderInit) {
    this.#components = components
    this.#timeout = init.timeout
    this.#maxInFlight = init.maxInFlightPerPeer ?? 64
  }

  /** Sends one packet; `packet` must not be modified afterwards (it is written asynchronously). */
  send (peer: PeerId, traffic: PeerTraffic, packet: Uint8Array): void {
    const key = peer.toString()
    const inFlight = this.#inFlight.get(key) ?? 0
    if (inFlight >= this.#maxInFlight) {
      this.#components.counters.drop('queue-full')
      return
    }
    this.#inFlight.set(key, inFlight + 1)
    void this.#deliver(peer, traffic, packet).finally(() => {
      const left = (this.#inFlight.get(key) ?? 1) - 1
      if (left === 0) this.#inFlight.delete(key)
      else this.#inFlight.set(key, left)
    })
  }

  async #deliver (peer: PeerId, traffic: PeerTraffic, packet: Uint8Array): Promise<void> {
    const { libp2p, counters, logger } = this.#components
    // one timer for the whole delivery: with a stream per packet, timers are a cost of their own
    const signal = AbortSignal.timeout(this.#timeout)
    let stream
    try {
      stream = await libp2p.dialProtocol(peer, GO_VPN_PROTOCOL, { ...VPN_STREAM_OPTIONS, signal })
    } catch (err) {
      counters.drop('peer-unreachable')
      logger.debug('cannot open a stream', { peer: peer.toString(), protocol: GO_VPN_PROTOCOL, error: err })
      return
    }
    let sent = false
    try {
      stream.send(packet)
      sent = true
      counters.sent(traffic, 1, packet.length)
      traffic.protocol = GO_VPN_PROTOCOL
      await stream.close({ signal })
    } catch (err) {
      if (!sent) counters.drop('send-failed')
      stream.abort(err instanceof Error ? err : new Error(String(err)))
      logger.debug('sending a packet failed', { peer: peer.toString(), protocol: GO_VPN_PROTOCOL, error: err })
    }
  }
}
