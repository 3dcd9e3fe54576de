/**
 * The messages of `/edgevpn-ts/vpn-fast/1.0.0`, exchanged once on a libp2p stream (noise-secured
 * and authenticated to both peer IDs), by which a dialer and a listener agree on a fast socket:
 *
 * - offer (dialer -> listener): `[version 1][secret 32]`
 * - answer (listener -> dialer): `[version 1][TCP port 2, big-endian][session ID 16][secret 32]`
 *
 * A listener that will not serve the dialer resets the stream instead of answering.
 */
import { Uint8ArrayList } from 'uint8arraylist'
import { FAST_SECRET_BYTES, FAST_SESSION_ID_BYTES } from './fast-crypto.js'
import type { Stream } from '@libp2p/interface'

const VERSION = 1
export const FAST_OFFER_BYTES = 1 + FAST_SECRET_BYTES
export const FAST_ANSWER_BYTES = 1 + 2 + FAST_SESSION_ID_BYTES + FAST_SECRET_BYTES

/** A negotiation message is malformed or of an unknown version. */
export class FastNegotiationError extends Error {
  override name = 'FastNegotiationError'
}

export interface FastAnswer {
  readonly port: number
  readonly sessionId: Uint8Array
  readonly secret: Uint8Array
}

export function encodeOffer (secret: Uint8Array): Uint8Array {
  const offer = new Uint8Array(FAST_OFFER_BYTES)
  offer[0] = VERSION
  offer.set(secret, 1)
  return offer
}

/** The dialer's secret. @throws FastNegotiationError */
export function decodeOffer (offer: Uint8Array): Uint8Array {
  checkVersion(offer)
  return offer.slice(1, FAST_OFFER_BYTES)
}

export function encodeAnswer (answer: FastAnswer): Uint8Array {
  const bytes = new Uint8Array(FAST_ANSWER_BYTES)
  bytes[0] = VERSION
  bytes[1] = answer.port >>> 8
  bytes[2] = answer.port & 0xff
  bytes.set(answer.sessionId, 3)
  bytes.set(answer.secret, 3 + FAST_SESSION_ID_BYTES)
  return bytes
}

/** @throws FastNegotiationError */
export function decodeAnswer (bytes: Uint8Array): FastAnswer {
  checkVersion(bytes)
  const port = bytes[1] * 256 + bytes[2]
  if (port === 0) throw new FastNegotiationError('the fast-channel answer names port 0')
  return {
    port,
    sessionId: bytes.slice(3, 3 + FAST_SESSION_ID_BYTES),
    secret: bytes.slice(3 + FAST_SESSION_ID_BYTES, FAST_ANSWER_BYTES)
  }
}

function checkVersion (message: Uint8Array): void {
  if (message[0] !== VERSION) throw new FastNegotiationError(`unknown fast-channel negotiation version ${message[0]}`)
}

/**
 * Reads exactly `length` bytes, the whole message of one side, from the stream.
 *
 * @throws FastNegotiationError when the stream ends before or sends more than that
 */
export async function readMessage (stream: Stream, length: number): Promise<Uint8Array> {
  const received = new Uint8ArrayList()
  for await (const chunk of stream) {
    received.append(chunk)
    if (received.byteLength >= length) break
  }
  if (received.byteLength !== length) {
    throw new FastNegotiationError(`expected a ${length}-byte fast-channel message, got ${received.byteLength} bytes`)
  }
  return received.subarray()
}
