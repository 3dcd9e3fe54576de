import { FramedChannel } from './framed-channel.js'
import { encodeFrames, FRAMED_PACKETS } from './framing.js'
import { GoStreamSender } from './go-stream-sender.js'
import { PacketSplitter } from './packet-splitter.js'
import { FRAMED_VPN_PROTOCOL } from './protocols.js'
import type { FramedChannelInit } from './framed-channel.js'
import type { GoStreamSenderInit } from './go-stream-sender.js'
import type { Router } from './router.js'
import type { PeerTraffic, VpnCounters } from './vpn-stats.js'
import type { Logger } from '@edgevpn/mesh-core'
import type { PacketBatch } from '@edgevpn/tun'
import type { IdentifyResult, Libp2p, PeerId } from '@libp2p/interface'

/**
 * - `auto`: the framed protocol with peers that offer it (identify), Go's `/edgevpn/0.1` otherwise
 * - `go`: Go's protocol with every peer, as Go edgevpn does
 */
export type WireProtocolChoice = 'auto' | 'go'

export interface OutboundDispatcherInit extends FramedChannelInit, GoStreamSenderInit {
  /** @default 'auto' */
  wireProtocol?: WireProtocolChoice
  /** Most packets in one batch handed to {@link OutboundDispatcher.dispatch} (the TUN `maxBatch`). */
  maxBatch: number
  /**
   * How long a peer that refused the framed protocol is sent Go's protocol before the framed
   * one is tried again, in ms. @default 600000
   */
  fallbackMs?: number
}

export interface OutboundDispatcherComponents {
  libp2p: Pick<Libp2p, 'dialProtocol' | 'peerStore' | 'addEventListener' | 'removeEventListener'>
  router: Router
  counters: VpnCounters
  logger: Logger
}

/** One destination peer: its counters, its framed stream and the packets of the current batch. */
interface PeerLink {
  readonly peer: PeerId
  readonly traffic: PeerTraffic
  readonly channel: FramedChannel
  /** Whether identify listed the framed protocol; undefined until known. */
  offersFramed: boolean | undefined
  /** Until when (ms) Go's protocol is used because the peer refused the framed one. */
  goOnlyUntil: number
  /** `[offset, length]` of this batch's packets for the peer. */
  readonly spans: Int32Array
  staged: number
}

/**
 * The outbound data path: routes every packet of a TUN read batch, groups the packets by peer
 * and sends each peer's group at once — one framed `send()` per peer and batch, or one Go stream
 * per packet for peers on Go's protocol.
 */
export class OutboundDispatcher {
  readonly #components: OutboundDispatcherComponents
  readonly #init: OutboundDispatcherInit
  readonly #go: GoStreamSender
  readonly #links = new Map<string, PeerLink>()
  readonly #touched: PeerLink[] = []
  readonly #onIdentify = (event: CustomEvent<IdentifyResult>): void => {
    const link = this.#links.get(event.detail.peerId.toString())
    if (link !== undefined) link.offersFramed = event.detail.protocols.includes(FRAMED_VPN_PROTOCOL)
  }

  constructor (components: OutboundDispatcherComponents, init: OutboundDispatcherInit) {
    this.#components = components
    this.#init = init
    this.#go = new GoStreamSender(components, init)
    components.libp2p.addEventListener('peer:identify', this.#onIdentify)
  }

  /** Routes and sends the packets of one read batch; the batch may be reused once it returns. */
  dispatch (batch: PacketBatch): void {
    const { router, counters } = this.#components
    const { buffer, meta, count } = batch
    const now = Date.now()
    for (let i = 0; i < count; i++) {
      const offset = meta[2 * i]
      const length = meta[2 * i + 1]
      const target = router.route(buffer, offset, length, now)
      if (typeof target === 'string') {
        counters.drop(target)
        continue
      }
      const link = this.#link(target)
      if (link.staged === 0) this.#touched.push(link)
      link.spans[2 * link.staged] = offset
      link.spans[2 * link.staged + 1] = length
      link.staged++
    }
    try {
      for (const link of this.#touched) this.#send(link, buffer, now)
    } finally {
      // also after a failure, so the next batch starts clean
      for (const link of this.#touched) link.staged = 0
      this.#touched.length = 0
    }
  }

  /** Closes every framed stream. */
  close (): void {
    this.#components.libp2p.removeEventListener('peer:identify', this.#onIdentify)
    for (const link of this.#links.values()) link.channel.close()
    this.#links.clear()
  }

  #send (link: PeerLink, buffer: Uint8Array, now: number): void {
    if (this.#usesFramed(link, now)) {
      let bytes = 0
      for (let i = 0; i < link.staged; i++) bytes += link.spans[2 * i + 1]
      link.channel.push(encodeFrames(buffer, link.spans, link.staged), link.staged, bytes)
      return
    }
    for (let i = 0; i < link.staged; i++) {
      const offset = link.spans[2 * i]
      // a copy (Buffer#slice would be a view): the read buffer is reused before the stream opens
      this.#go.send(link.peer, link.traffic, new Uint8Array(buffer.subarray(offset, offset + link.spans[2 * i + 1])))
    }
  }

  #usesFramed (link: PeerLink, now: number): boolean {
    // unknown peers (not identified yet) are tried with the framed protocol: a refusal falls back
    return this.#init.wireProtocol !== 'go' && link.offersFramed !== false && link.goOnlyUntil <= now
  }

  #link (peer: PeerId): PeerLink {
    const id = peer.toString()
    let link = this.#links.get(id)
    if (link !== undefined) return link
    const { libp2p, counters, logger } = this.#components
    const traffic = counters.peer(id)
    const onUnsupported = (pending: Uint8Array[]): void => {
      logger.info('peer does not offer the framed protocol, using /edgevpn/0.1', { peer: id })
      created.goOnlyUntil = Date.now() + (this.#init.fallbackMs ?? 600_000)
      this.#resendWithGo(created, pending)
    }
    const channel = new FramedChannel({ libp2p, counters, logger, onUnsupported }, peer, traffic, this.#init)
    const created: PeerLink = {
      peer, traffic, channel, offersFramed: undefined, goOnlyUntil: 0, spans: new Int32Array(2 * this.#init.maxBatch), staged: 0
    }
    this.#links.set(id, created)
    libp2p.peerStore.get(peer).then(stored => {
      if (created.offersFramed === undefined && stored.protocols.length > 0) {
        created.offersFramed = stored.protocols.includes(FRAMED_VPN_PROTOCOL)
      }
    }, () => {
      // not in the peer store yet: identify will tell
    })
    return created
  }

  /** Sends frames that were waiting for a framed stream the peer refused, packet by packet. */
  #resendWithGo (link: PeerLink, pending: Uint8Array[]): void {
    const splitter = new PacketSplitter(FRAMED_PACKETS)
    for (const frames of pending) splitter.push(frames, packet => { this.#go.send(link.peer, link.traffic, packet) })
  }
}
