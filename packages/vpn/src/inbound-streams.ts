import { TunError } from '@edgevpn/tun'
import { checkIpPacket } from './ip-packet.js'
import { IP_PACKETS, PacketSplitter, StreamFormatError } from './packet-splitter.js'
import { VNET_HDR_BYTES } from './vnet-header.js'
import type { InboundGate } from './inbound-gate.js'
import type { SourceGuard } from './source-guard.js'
import type { UnitFormat } from './packet-splitter.js'
import type { VpnCounters } from './vpn-stats.js'
import type { Logger } from '@edgevpn/mesh-core'
import type { TunDevice } from '@edgevpn/tun'
import type { Connection, Stream, StreamCloseEvent, StreamHandler, StreamMessageEvent } from '@libp2p/interface'
import type { Uint8ArrayList } from 'uint8arraylist'

/** Where received packets go: the TUN device. */
export type PacketSink = Pick<TunDevice, 'write'>

export interface InboundStreamsComponents {
  gate: InboundGate
  /** Refuses packets whose source address the sending peer does not own. */
  sourceGuard: Pick<SourceGuard, 'allows'>
  counters: VpnCounters
  sink: PacketSink
  logger: Logger
}

export interface InboundStreamsInit {
  /**
   * Whether the sink takes a virtio_net_hdr before every packet (a TUN opened with `vnetHdr`).
   * @default false
   */
  sinkVnetHeader?: boolean
}

/** Units of a stream: plain IP packets, or a virtio header followed by a packet. */
export type InboundUnits = 'packets' | 'offload'

/** A peer that is not a member of the VPN opened a data-plane stream. */
export class NotAMemberError extends Error {
  override name = 'NotAMemberError'
}

/**
 * The receiving side of the data-plane protocols: streams from peers the {@link InboundGate}
 * refuses are reset at once, accepted streams are read to their end, cut into packets and
 * written to the TUN device. Open streams of a peer that stops being a member are reset too.
 */
export class InboundStreams {
  readonly #components: InboundStreamsComponents
  readonly #open = new Map<Stream, string>()
  readonly #stopWatching: () => void
  /** A virtio header of zeros (no GSO, checksum complete) followed by room for one packet. */
  readonly #prefixed: Uint8Array | undefined

  constructor (components: InboundStreamsComponents, init: InboundStreamsInit = {}) {
    this.#components = components
    this.#prefixed = init.sinkVnetHeader === true ? new Uint8Array(VNET_HDR_BYTES + IP_PACKETS.maxUnitBytes) : undefined
    this.#stopWatching = components.gate.onChange(() => { this.#resetNonMembers() })
  }

  /**
   * A libp2p stream handler for streams whose units are delimited by `format`. `offload` units
   * are written to the sink as they are, so it must take virtio headers.
   */
  handler (format: UnitFormat, units: InboundUnits = 'packets'): StreamHandler {
    if (units === 'offload' && this.#prefixed === undefined) throw new RangeError('offload units need a sink that takes virtio headers')
    return async (stream: Stream, connection: Connection) => { await this.#receive(stream, connection, format, units) }
  }

  /**
   * Where the units received from `peer` go, one call per unit (a plain IP packet, or a virtio
   * header and a packet for `offload`): each is checked and written to the sink, and counted.
   * The unit may be reused once the call returns. Every data-plane receive path uses it.
   */
  unitSink (peer: string, units: InboundUnits): (unit: Uint8Array) => void {
    const { counters, sink, sourceGuard } = this.#components
    const traffic = counters.peer(peer)
    const headerBytes = units === 'offload' ? VNET_HDR_BYTES : 0
    const prefixed = this.#prefixed
    return (unit: Uint8Array): void => {
      const length = unit.length - headerBytes
      if (typeof checkIpPacket(unit, headerBytes, length) === 'string') {
        counters.drop('inbound-malformed')
        return
      }
      if (!sourceGuard.allows(peer, unit, headerBytes, length)) {
        counters.drop('spoofed-source')
        return
      }
      let written: boolean
      if (headerBytes > 0) {
        // offload units go to the kernel whole: it checks the header and segments what needs it
        try {
          written = sink.write(unit)
        } catch (err) {
          if (!(err instanceof TunError) || err.errno !== 'EINVAL') throw err
          counters.drop('inbound-malformed')
          return
        }
      } else if (prefixed === undefined) {
        written = sink.write(unit)
      } else {
        prefixed.set(unit, VNET_HDR_BYTES)
        written = sink.write(prefixed.subarray(0, VNET_HDR_BYTES + length))
      }
      if (written) counters.received(traffic, 1, length)
      else counters.drop('tun-full')
    }
  }

  /** Resets every open inbound stream. */
  close (): void {
    this.#stopWatching()
    for (const stream of this.#open.keys()) stream.abort(new Error('VPN stopped'))
    this.#open.clear()
  }

  async #receive (stream: Stream, connection: Connection, format: UnitFormat, units: InboundUnits): Promise<void> {
    const { gate, counters, logger } = this.#components
    const peer = connection.remotePeer.toString()
    if (!gate.allows(peer)) {
      counters.refusedStreams++
      logger.debug('refused data-plane stream from a non-member', { peer, protocol: stream.protocol })
      stream.abort(new NotAMemberError(`peer ${peer} is not a member of the VPN`))
      return
    }
    const splitter = new PacketSplitter(format)
    const deliver = this.unitSink(peer, units)
    this.#open.set(stream, peer)
    try {
      await readToEnd(stream, chunk => { splitter.push(chunk, deliver) })
      // the sender ended the stream in the middle of a packet
      if (splitter.pendingBytes > 0) counters.drop('inbound-malformed')
      await stream.close()
    } catch (err) {
      // the rest of a stream that broke its framing cannot be trusted: one malformed unit
      if (err instanceof StreamFormatError) counters.drop('inbound-malformed')
      logger.debug('data-plane stream failed', { peer, protocol: stream.protocol, error: err })
      stream.abort(err instanceof Error ? err : new Error(String(err)))
    } finally {
      this.#open.delete(stream)
    }
  }

  #resetNonMembers (): void {
    for (const [stream, peer] of this.#open) {
      if (!this.#components.gate.allows(peer)) stream.abort(new NotAMemberError(`peer ${peer} is no longer a member of the VPN`))
    }
  }
}

/**
 * Hands every chunk of `stream` to `onChunk` until the remote has closed its writable end and
 * everything is read. Unlike the stream's async iterator it also ends when the remote closed
 * before the handler started listening: a lazy multistream-select sender (go-libp2p, once identify
 * told it we speak the protocol) sends the protocol, the packet and its FIN together, so the FIN
 * arrives while the protocol is still being negotiated. Events instead of the iterator also save
 * a queue and a promise per chunk, which counts with one stream per packet.
 *
 * @throws what `onChunk` throws, or the error the stream was reset or aborted with
 */
async function readToEnd (stream: Stream, onChunk: (chunk: Uint8Array | Uint8ArrayList) => void): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const finish = (err?: Error): void => {
      stream.removeEventListener('message', onMessage)
      stream.removeEventListener('remoteCloseWrite', onRemoteCloseWrite)
      stream.removeEventListener('close', onClose)
      if (err === undefined) resolve()
      else reject(err)
    }
    const ended = (): boolean => stream.readBufferLength === 0 && (stream.remoteWriteStatus === 'closed' || stream.readStatus === 'closed')
    const onMessage = (event: StreamMessageEvent): void => {
      try {
        onChunk(event.data)
      } catch (err) {
        finish(err instanceof Error ? err : new Error(String(err)))
        return
      }
      if (ended()) finish()
    }
    const onRemoteCloseWrite = (): void => {
      if (ended()) finish()
    }
    const onClose = (event: StreamCloseEvent): void => {
      if (event.error !== undefined) finish(event.error)
      else if (ended()) finish()
    }
    stream.addEventListener('message', onMessage)
    stream.addEventListener('remoteCloseWrite', onRemoteCloseWrite)
    stream.addEventListener('close', onClose)
    // adding the message listener dispatches what arrived during negotiation (in a microtask)
    if (ended()) finish()
  })
}
