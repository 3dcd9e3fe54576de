import { checkIpPacket } from './ip-packet.js'
import { PacketSplitter } from './packet-splitter.js'
import type { InboundGate } from './inbound-gate.js'
import type { UnitFormat } from './packet-splitter.js'
import type { VpnCounters } from './vpn-stats.js'
import type { Logger } from '@edgevpn/mesh-core'
import type { TunDevice } from '@edgevpn/tun'
import type { Connection, Stream, StreamHandler } from '@libp2p/interface'

/** Where received packets go: the TUN device. */
export type PacketSink = Pick<TunDevice, 'write'>

export interface InboundStreamsComponents {
  gate: InboundGate
  counters: VpnCounters
  sink: PacketSink
  logger: Logger
}

/** A peer that is not a member of the VPN opened a data-plane stream. */
export class NotAMemberError extends Error {
  override name = 'NotAMemberError'
}

/**
 * The receiving side of both data-plane protocols: streams from peers the {@link InboundGate}
 * refuses are reset at once, accepted streams are read to their end, cut into packets and
 * written to the TUN device. Open streams of a peer that stops being a member are reset too.
 */
export class InboundStreams {
  readonly #components: InboundStreamsComponents
  readonly #open = new Map<Stream, string>()
  readonly #stopWatching: () => void

  constructor (components: InboundStreamsComponents) {
    this.#components = components
    this.#stopWatching = components.gate.onChange(() => { this.#resetNonMembers() })
  }

  /** A libp2p stream handler for streams whose packets are delimited by `format`. */
  handler (format: UnitFormat): StreamHandler {
    return async (stream: Stream, connection: Connection) => { await this.#receive(stream, connection, format) }
  }

  /** Resets every open inbound stream. */
  close (): void {
    this.#stopWatching()
    for (const stream of this.#open.keys()) stream.abort(new Error('VPN stopped'))
    this.#open.clear()
  }

  async #receive (stream: Stream, connection: Connection, format: UnitFormat): Promise<void> {
    const { gate, counters, sink, logger } = this.#components
    const peer = connection.remotePeer.toString()
    if (!gate.allows(peer)) {
      counters.refusedStreams++
      logger.debug('refused data-plane stream from a non-member', { peer, protocol: stream.protocol })
      stream.abort(new NotAMemberError(`peer ${peer} is not a member of the VPN`))
      return
    }
    const traffic = counters.peer(peer)
    const splitter = new PacketSplitter(format)
    const deliver = (packet: Uint8Array): void => {
      if (typeof checkIpPacket(packet, 0, packet.length) === 'string') {
        counters.drop('inbound-malformed')
      } else if (sink.write(packet)) {
        counters.received(traffic, 1, packet.length)
      } else {
        counters.drop('tun-full')
      }
    }
    this.#open.set(stream, peer)
    try {
      for await (const chunk of stream) splitter.push(chunk, deliver)
      // the sender ended the stream in the middle of a packet
      if (splitter.pendingBytes > 0) counters.drop('inbound-malformed')
      await stream.close()
    } catch (err) {
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
