/**
 * `/edgevpn-ts/time/1.0.0`: asks a peer for its wall clock, so `edgevpn doctor` can tell when
 * clock skew splits a mesh (OTP rendezvous values, gossip topics and seal keys only agree between
 * nodes whose clocks fall in the same OTP window).
 *
 * ```
 * requester ── 16 random bytes (nonce) ──▶ responder
 * requester ◀── clock (8 bytes, Unix ms, big-endian) ‖ proof (32 bytes) ── responder
 * ```
 *
 * The proof is an HMAC-SHA256 over the protocol name, the nonce, the clock and the responder's
 * peer ID, keyed by a key derived from the network token: it tells the requester whether the
 * responder holds the same token without revealing anything about the token.
 */
import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto'
import { encodeToken } from '@edgevpn/mesh-core'
import { Uint8ArrayList } from 'uint8arraylist'
import type { NetworkConfig } from '@edgevpn/mesh-core'
import type { Libp2p, PeerId, Stream } from '@libp2p/interface'

export const TIME_PROTOCOL = '/edgevpn-ts/time/1.0.0'

const NONCE_BYTES = 16
const CLOCK_BYTES = 8
const PROOF_BYTES = 32
/** A request or answer that takes longer than this is abandoned. */
const EXCHANGE_TIMEOUT_MS = 10_000

/** A peer answered the time protocol with something that is not an answer. */
export class TimeProtocolError extends Error {
  override name = 'TimeProtocolError'
}

export interface TimeServiceInit {
  network: NetworkConfig
  /** Wall clock in Unix ms that is reported to peers. @default Date.now */
  clock?: () => number
}

/**
 * Answers time requests on `libp2p`, relayed connections included.
 *
 * @returns a function that stops answering
 */
export async function serveTime (libp2p: Libp2p, init: TimeServiceInit): Promise<() => Promise<void>> {
  const key = proofKey(init.network)
  const clock = init.clock ?? Date.now
  await libp2p.handle(TIME_PROTOCOL, async stream => {
    try {
      const nonce = await readBytes(stream, NONCE_BYTES, AbortSignal.timeout(EXCHANGE_TIMEOUT_MS))
      const time = encodeClock(clock())
      stream.send(new Uint8Array([...time, ...prove(key, nonce, time, libp2p.peerId)]))
      await stream.close()
    } catch (err) {
      stream.abort(err instanceof Error ? err : new Error(String(err)))
    }
  }, { runOnLimitedConnection: true, maxInboundStreams: 4 })
  return async () => { await libp2p.unhandle(TIME_PROTOCOL) }
}

/** One reading of a peer's clock. */
export interface ClockSample {
  /** The peer's clock minus ours, in ms, assuming the answer left it halfway through the round trip. */
  offsetMs: number
  rttMs: number
  /** Whether the peer proved it holds the same network token. */
  member: boolean
}

export interface ClockQueryInit {
  network: NetworkConfig
  /** Our wall clock in Unix ms. @default Date.now */
  clock?: () => number
  /** Requests to send; the one with the shortest round trip wins, as in NTP. @default 3 */
  samples?: number
  signal?: AbortSignal
}

/**
 * Reads `peer`'s clock over an open or new connection.
 *
 * @throws TimeProtocolError when the answer is malformed
 * @throws Error from libp2p when the peer does not speak the protocol or cannot be reached
 */
export async function queryPeerClock (libp2p: Libp2p, peer: PeerId, init: ClockQueryInit): Promise<ClockSample> {
  const key = proofKey(init.network)
  const clock = init.clock ?? Date.now
  const samples = init.samples ?? 3
  if (!Number.isSafeInteger(samples) || samples < 1) throw new RangeError(`queryPeerClock needs at least one sample, got ${samples}`)
  let best: ClockSample | undefined
  for (let i = 0; i < samples; i++) {
    const signal = AbortSignal.any([AbortSignal.timeout(EXCHANGE_TIMEOUT_MS), ...init.signal === undefined ? [] : [init.signal]])
    const stream = await libp2p.dialProtocol(peer, TIME_PROTOCOL, { runOnLimitedConnection: true, signal })
    try {
      const nonce = randomBytes(NONCE_BYTES)
      const sent = clock()
      stream.send(nonce)
      const answer = await readBytes(stream, CLOCK_BYTES + PROOF_BYTES, signal)
      const received = clock()
      await stream.close()
      const time = answer.subarray(0, CLOCK_BYTES)
      const sample: ClockSample = {
        offsetMs: decodeClock(time) - (sent + received) / 2,
        rttMs: received - sent,
        member: timingSafeEqual(answer.subarray(CLOCK_BYTES), prove(key, nonce, time, peer))
      }
      if (best === undefined || sample.rttMs < best.rttMs) best = sample
    } catch (err) {
      stream.abort(err instanceof Error ? err : new Error(String(err)))
      throw err
    }
  }
  return best as ClockSample
}

function proofKey (network: NetworkConfig): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', encodeToken(network), '', TIME_PROTOCOL, PROOF_BYTES))
}

function prove (key: Uint8Array, nonce: Uint8Array, time: Uint8Array, responder: PeerId): Uint8Array {
  return createHmac('sha256', key).update(TIME_PROTOCOL).update(nonce).update(time).update(responder.toMultihash().bytes).digest()
}

function encodeClock (ms: number): Uint8Array {
  const bytes = new Uint8Array(CLOCK_BYTES)
  new DataView(bytes.buffer).setBigInt64(0, BigInt(Math.round(ms)))
  return bytes
}

function decodeClock (bytes: Uint8Array): number {
  return Number(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigInt64(0))
}

/** Reads exactly `length` bytes: more is a protocol error, and so is an early end. */
async function readBytes (stream: Stream, length: number, signal: AbortSignal): Promise<Uint8Array> {
  signal.throwIfAborted()
  const received = new Uint8ArrayList()
  const onAbort = (): void => { stream.abort(new TimeProtocolError('time exchange timed out')) }
  signal.addEventListener('abort', onAbort, { once: true })
  try {
    for await (const chunk of stream) {
      received.append(chunk)
      if (received.byteLength >= length) break
    }
  } finally {
    signal.removeEventListener('abort', onAbort)
  }
  if (received.byteLength !== length) throw new TimeProtocolError(`expected ${length} bytes, got ${received.byteLength}`)
  return received.subarray()
}
