/**
 * The send path of the data plane, from the TUN device to the peers. Flow of one batch:
 *
 *   TunDevice (batch of packets or offload units, with the JS engine or for unrouted packets)
 *   -> Router          the peer owning each destination in the ledger (`machines`, static table)
 *   -> dispatch        groups the batch per peer, then for each peer picks a wire:
 *        fast          FastSender: AES-GCM records on the fast socket (fast-sender.ts); with the
 *                      native engine, routed packets never reach JS (the addon's send thread)
 *        offload       FramedChannel on `/edgevpn-ts/vpn/1.1.0`, units whole
 *        framed        FramedChannel on `/edgevpn-ts/vpn/1.0.0`, units segmented in software
 *        go            GoStreamSender: Go's `/edgevpn/0.1`, one stream per packet
 *
 * A peer that refuses a wire is sent the next one down; the fast and framed wires come back once
 * the peer offers them (identify) or its connection turns direct. A peer's wires close once no
 * traffic went either way for `idleTimeoutMs`, and open again with its next packet.
 */
import { FastSender } from './fast-sender.js'
import { FramedChannel } from './framed-channel.js'
import { encodeFrameRuns, encodeFrames, FRAMED_PACKETS, OFFLOAD_FRAMES } from './framing.js'
import { GoStreamSender } from './go-stream-sender.js'
import { PacketSplitter } from './packet-splitter.js'
import { FAST_VPN_PROTOCOL, FRAMED_VPN_PROTOCOL, OFFLOAD_VPN_PROTOCOL } from './protocols.js'
import { watchDirectConnections } from './relayed-links.js'
import { segmentOffloadUnit, SegmentationError } from './software-segmentation.js'
import { isPlainPacket, VNET_HDR_BYTES } from './vnet-header.js'
import type { NativeFastChannels } from './fast-path-tables.js'
import type { FramedChannelInit } from './framed-channel.js'
import type { PacketRun } from './framing.js'
import type { GoStreamSenderInit } from './go-stream-sender.js'
import type { Router } from './router.js'
import type { PeerTraffic, VpnCounters } from './vpn-stats.js'
import type { Logger } from '@edgevpn/mesh-core'
import type { PacketBatch } from '@edgevpn/tun'
import type { IdentifyResult, Libp2p, PeerId } from '@libp2p/interface'

/**
 * - `auto`: the newest framed protocol a peer offers (identify), Go's `/edgevpn/0.1` otherwise
 * - `go`: Go's protocol with every peer, as Go edgevpn does
 */
export type WireProtocolChoice = 'auto' | 'go'

export interface OutboundDispatcherInit extends FramedChannelInit, GoStreamSenderInit {
  /** @default 'auto' */
  wireProtocol?: WireProtocolChoice
  /** Most packets in one batch handed to {@link OutboundDispatcher.dispatch} (the TUN `maxBatch`). */
  maxBatch: number
  /**
   * Whether every packet of a batch starts with a virtio_net_hdr (the TUN was opened with
   * `vnetHdr`): such units go whole to peers speaking `/edgevpn-ts/vpn/1.1.0`, and are made into
   * plain packets (software segmentation) for the others. @default false
   */
  vnetHeader?: boolean
  /**
   * How long a peer that refused a framed protocol is sent an older one before the newer one is
   * tried again, in ms. @default 600000
   */
  fallbackMs?: number
  /**
   * Whether offload units go over the fast data channel (see fast-sender.ts) to peers that
   * accept it on a direct connection, the libp2p streams staying the fallback. Needs `vnetHeader`.
   * @default false
   */
  fast?: boolean
  /**
   * A peer's streams and fast socket close after this long without traffic either way, in ms,
   * and open again with the next packet: the connection then carries only mesh upkeep, which the
   * connection budget may close (a node that talked with many peers once does not keep a
   * connection to each). @default 300000 (`VpnServiceInit.idleTimeoutMs`)
   */
  idleTimeoutMs?: number
}

export interface OutboundDispatcherComponents {
  libp2p: Pick<Libp2p, 'dial' | 'dialProtocol' | 'getConnections' | 'peerStore' | 'addEventListener' | 'removeEventListener'>
  router: Router
  counters: VpnCounters
  logger: Logger
  /** The native fast path that ready fast channels go to (see FastSender). */
  native?: NativeFastChannels
}

/** How packets reach one peer. */
type Wire = 'fast' | 'offload' | 'framed' | 'go'

/** One destination peer: its counters, its framed streams and the packets of the current batch. */
interface PeerLink {
  readonly peer: PeerId
  readonly traffic: PeerTraffic
  /** `/edgevpn-ts/vpn/1.1.0`, only when the batches carry virtio headers. */
  readonly offload: FramedChannel | undefined
  /** The fast data channel, only with `fast` and virtio headers. */
  readonly fast: FastSender | undefined
  /** `/edgevpn-ts/vpn/1.0.0`. */
  readonly framed: FramedChannel
  /** Whether identify listed the protocols; undefined until known. */
  offersOffload: boolean | undefined
  offersFast: boolean | undefined
  offersFramed: boolean | undefined
  /** Until when (ms) the peer is not tried with a protocol it refused. */
  noOffloadUntil: number
  goOnlyUntil: number
  /** `[offset, length]` of this batch's units for the peer. */
  readonly spans: Int32Array
  staged: number
  /** Bytes both ways at the last idle check, and when they last moved (ms). */
  trafficSeen: number
  activeAt: number
}

/**
 * The outbound data path: routes every packet of a TUN read batch, groups the packets by peer
 * and sends each peer's group at once — one framed `send()` per peer and batch, or one Go stream
 * per packet for peers on Go's protocol.
 */
export class OutboundDispatcher {
  readonly #components: OutboundDispatcherComponents
  readonly #init: OutboundDispatcherInit
  readonly #headerBytes: number
  readonly #go: GoStreamSender
  readonly #links = new Map<string, PeerLink>()
  readonly #touched: PeerLink[] = []
  readonly #unwatchDirect: () => void
  readonly #idleTimeoutMs: number
  readonly #idleTimer: NodeJS.Timeout
  readonly #onIdentify = (event: CustomEvent<IdentifyResult>): void => {
    const link = this.#links.get(event.detail.peerId.toString())
    if (link !== undefined) learnProtocols(link, event.detail.protocols)
  }

  constructor (components: OutboundDispatcherComponents, init: OutboundDispatcherInit) {
    this.#components = components
    this.#init = init
    this.#headerBytes = init.vnetHeader === true ? VNET_HDR_BYTES : 0
    this.#go = new GoStreamSender(components, init)
    components.libp2p.addEventListener('peer:identify', this.#onIdentify)
    this.#unwatchDirect = watchDirectConnections(components.libp2p, peer => {
      const link = this.#links.get(peer.toString())
      link?.offload?.preferDirect()
      link?.framed.preferDirect()
      link?.fast?.retryNow()
    })
    this.#idleTimeoutMs = init.idleTimeoutMs ?? 300_000
    this.#idleTimer = setInterval(() => { this.#closeIdle() }, Math.min(this.#idleTimeoutMs / 2, 30_000)).unref()
  }

  /** Routes and sends the packets of one read batch; the batch may be reused once it returns. */
  dispatch (batch: PacketBatch): void {
    const { router, counters } = this.#components
    const { buffer, meta, count } = batch
    const headerBytes = this.#headerBytes
    const now = Date.now()
    for (let i = 0; i < count; i++) {
      const offset = meta[2 * i]
      const length = meta[2 * i + 1]
      const target = router.route(buffer, offset + headerBytes, length - headerBytes, now)
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

  /** Closes every framed stream and fast socket. */
  close (): void {
    this.#components.libp2p.removeEventListener('peer:identify', this.#onIdentify)
    this.#unwatchDirect()
    clearInterval(this.#idleTimer)
    for (const link of this.#links.values()) closeWires(link)
    this.#links.clear()
  }

  /** Closes the wires of peers whose traffic (both ways, fast path included) stood still for the idle timeout. */
  #closeIdle (): void {
    this.#components.counters.collect()
    const now = Date.now()
    for (const [id, link] of this.#links) {
      const seen = link.traffic.bytesIn + link.traffic.bytesOut
      if (seen !== link.trafficSeen) {
        link.trafficSeen = seen
        link.activeAt = now
      } else if (now - link.activeAt >= this.#idleTimeoutMs) {
        closeWires(link)
        this.#links.delete(id)
        this.#components.logger.debug('closed the data wires of an idle peer', { peer: id })
      }
    }
  }

  #send (link: PeerLink, buffer: Uint8Array, now: number): void {
    const wire = this.#wire(link, now)
    if (wire === 'fast') {
      (link.fast as FastSender).push(buffer, link.spans, link.staged)
    } else if (wire === 'offload') {
      const ipBytes = spanBytes(link.spans, link.staged) - link.staged * VNET_HDR_BYTES
      const channel = link.offload as FramedChannel
      channel.push(encodeFrames(buffer, link.spans, link.staged, OFFLOAD_FRAMES), link.staged, ipBytes)
    } else if (this.#headerBytes === 0) {
      this.#sendPlain(link, wire, [{ bytes: buffer, spans: link.spans, count: link.staged }])
    } else {
      this.#sendPlain(link, wire, this.#plainRuns(buffer, link.spans, link.staged))
    }
  }

  /** Sends plain IP packets with the framed protocol or Go's. */
  #sendPlain (link: PeerLink, wire: Exclude<Wire, 'offload' | 'fast'>, runs: readonly PacketRun[]): void {
    let packets = 0
    let bytes = 0
    for (const run of runs) {
      packets += run.count
      bytes += spanBytes(run.spans, run.count)
    }
    if (packets === 0) return
    if (wire === 'framed') {
      link.framed.push(encodeFrameRuns(runs, FRAMED_PACKETS), packets, bytes)
      return
    }
    for (const { bytes: source, spans, count } of runs) {
      for (let i = 0; i < count; i++) {
        // a copy (a view could be of the read buffer, which is reused before the stream opens; Buffer's slice() is a view)
        this.#go.send(link.peer, link.traffic, new Uint8Array(source.subarray(spans[2 * i], spans[2 * i] + spans[2 * i + 1])))
      }
    }
  }

  /**
   * The plain packets of `count` offload units (virtio header + packet): views of the source for
   * units that need no work, new buffers for the others.
   */
  #plainRuns (source: Uint8Array, spans: Int32Array, count: number): PacketRun[] {
    const runs: PacketRun[] = []
    for (let i = 0; i < count; i++) {
      const offset = spans[2 * i]
      const length = spans[2 * i + 1]
      if (isPlainPacket(source, offset)) {
        runs.push({ bytes: source, spans: Int32Array.of(offset + VNET_HDR_BYTES, length - VNET_HDR_BYTES), count: 1 })
        continue
      }
      try {
        runs.push(segmentOffloadUnit(source, offset, length))
      } catch (err) {
        if (!(err instanceof SegmentationError)) throw err
        this.#components.counters.drop('malformed')
        this.#components.logger.debug('cannot segment a packet read from the interface', { error: err })
      }
    }
    return runs
  }

  #wire (link: PeerLink, now: number): Wire {
    if (this.#init.wireProtocol === 'go') return 'go'
    // unknown peers (not identified yet) are tried with the newest protocol: a refusal falls back
    if (link.fast !== undefined && link.offersFast !== false) {
      if (link.fast.ready) return 'fast'
      // meanwhile the libp2p streams carry the packets
      link.fast.start()
    }
    if (link.offload !== undefined && link.offersOffload !== false && link.noOffloadUntil <= now) return 'offload'
    if (link.offersFramed !== false && link.goOnlyUntil <= now) return 'framed'
    return 'go'
  }

  #link (peer: PeerId): PeerLink {
    const id = peer.toString()
    let link = this.#links.get(id)
    if (link !== undefined) return link
    const { libp2p, counters, logger } = this.#components
    const traffic = counters.peer(id)
    const fallbackMs = this.#init.fallbackMs ?? 600_000
    const offloadRefused = (pending: Uint8Array[]): void => {
      logger.info(`peer does not offer ${OFFLOAD_VPN_PROTOCOL}, sending plain packets`, { peer: id })
      created.noOffloadUntil = Date.now() + fallbackMs
      this.#resendPlain(created, pending)
    }
    const framedRefused = (pending: Uint8Array[]): void => {
      logger.info(`peer does not offer ${FRAMED_VPN_PROTOCOL}, using /edgevpn/0.1`, { peer: id })
      created.goOnlyUntil = Date.now() + fallbackMs
      const splitter = new PacketSplitter(FRAMED_PACKETS)
      for (const frames of pending) splitter.push(frames, packet => { this.#go.send(created.peer, created.traffic, packet) })
    }
    const channel = (protocol: string, onUnsupported: (pending: Uint8Array[]) => void): FramedChannel =>
      new FramedChannel({ libp2p, counters, logger, onUnsupported }, peer, protocol, traffic, this.#init)
    const created: PeerLink = {
      peer,
      traffic,
      offload: this.#headerBytes > 0 ? channel(OFFLOAD_VPN_PROTOCOL, offloadRefused) : undefined,
      fast: this.#headerBytes > 0 && this.#init.fast === true
        ? new FastSender({ libp2p, counters, logger, native: this.#components.native }, peer, traffic, { timeout: this.#init.timeout, maxBulkBytes: this.#init.maxQueuedBytes })
        : undefined,
      framed: channel(FRAMED_VPN_PROTOCOL, framedRefused),
      offersOffload: undefined,
      offersFast: undefined,
      offersFramed: undefined,
      noOffloadUntil: 0,
      goOnlyUntil: 0,
      spans: new Int32Array(2 * this.#init.maxBatch),
      staged: 0,
      trafficSeen: traffic.bytesIn + traffic.bytesOut,
      activeAt: Date.now()
    }
    this.#links.set(id, created)
    libp2p.peerStore.get(peer).then(stored => {
      if (created.offersFramed === undefined && stored.protocols.length > 0) learnProtocols(created, stored.protocols)
    }, () => {
      // not in the peer store yet: identify will tell
    })
    return created
  }

  /** Sends offload frames that were waiting for a stream the peer refused as plain packets. */
  #resendPlain (link: PeerLink, pending: Uint8Array[]): void {
    const wire = this.#wire(link, Date.now())
    if (wire === 'offload' || wire === 'fast') return
    const splitter = new PacketSplitter(OFFLOAD_FRAMES)
    for (const frames of pending) {
      splitter.push(frames, unit => { this.#sendPlain(link, wire, this.#plainRuns(unit, Int32Array.of(0, unit.length), 1)) })
    }
  }
}

function closeWires (link: PeerLink): void {
  link.fast?.close()
  link.offload?.close()
  link.framed.close()
}

function learnProtocols (link: PeerLink, protocols: readonly string[]): void {
  link.offersOffload = protocols.includes(OFFLOAD_VPN_PROTOCOL)
  link.offersFast = protocols.includes(FAST_VPN_PROTOCOL)
  link.offersFramed = protocols.includes(FRAMED_VPN_PROTOCOL)
}

/** The total length of the first `count` `[offset, length]` spans. */
function spanBytes (spans: Int32Array, count: number): number {
  let bytes = 0
  for (let i = 0; i < count; i++) bytes += spans[2 * i + 1]
  return bytes
}
