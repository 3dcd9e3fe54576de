import { noise } from '@libp2p/noise'
import { Uint8ArrayList } from 'uint8arraylist'
import type { NoiseInit } from '@libp2p/noise'
import type { ConnectionEncrypter, MessageStream } from '@libp2p/interface'

type NoiseFactory = ReturnType<typeof noise>

/**
 * libp2p's Noise, with each encrypted message handed to the transport as one buffer.
 *
 * @libp2p/noise sends a message as two buffers, its 2-byte length and the ciphertext, and the TCP
 * transport writes them one at a time; with Nagle off, every message (a yamux window update, a
 * keep-alive ping) then left in two TCP segments, one of them carrying 2 bytes. At rest those
 * small segments were a third of a node's packets.
 */
export function coalescedNoise (init?: NoiseInit): NoiseFactory {
  const create = noise(init)
  return components => {
    const encrypter = create(components)
    // protocol, muxer negotiation and capabilities stay the original's
    const coalesced: ConnectionEncrypter = Object.create(encrypter)
    coalesced.secureInbound = async (connection, options) => await encrypter.secureInbound(coalesceSends(connection), options)
    coalesced.secureOutbound = async (connection, options) => await encrypter.secureOutbound(coalesceSends(connection), options)
    return coalesced as ReturnType<NoiseFactory>
  }
}

/** Makes `connection.send` pass a list of buffers on as one (copied) buffer. */
export function coalesceSends<T extends MessageStream> (connection: T): T {
  const send = connection.send.bind(connection)
  connection.send = data => send(data instanceof Uint8ArrayList ? data.subarray() : data)
  return connection
}
