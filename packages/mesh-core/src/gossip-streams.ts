/**
 * Keeps js gossipsub's one outbound stream per peer pointed at the peer's live router.
 *
 * js gossipsub opens its outbound stream to a peer once, when the connection appears, and never
 * again while that connection lives. Two things break that stream under a live connection:
 *
 * - Go edgevpn builds a new gossipsub router on the same host at every OTP rotation. The new
 *   router opens a new stream to us, but ours still feeds the old router, which drops what it
 *   reads and resets the stream some RPCs later. Go never hears our subscription to the new topic,
 *   so neither side sends to the other until the next rotation (measured: every other 30 s period
 *   silent both ways).
 * - Any reset of the stream by the remote (a muxer hiccup, a stream limit).
 *
 * go-libp2p-pubsub reopens a dead outbound stream while the peer stays connected; this does the
 * same. It also renews ours when the peer opens a new inbound stream to us while ours is settled:
 * the peer's router restarted (a Go rotation), and waiting for the old router to reset our stream
 * kept a new Go node from hearing our subscription, so its ledger entries never reached us until
 * then (a Go file-receive started across a rotation was refused by our file-send for it).
 */
import type { Connection, PeerId, Stream } from '@libp2p/interface'
import type { GossipSub } from '@libp2p/gossipsub'
import type { Logger } from './logger.js'

/** The parts of `@libp2p/gossipsub` (17.x) this works on; some are private in its types. */
interface GossipSubStreams {
  readonly peers: Map<string, PeerId>
  readonly streamsOutbound: Map<string, { rawStream: Stream, close: () => Promise<void> }>
  isStarted: () => boolean
  createInboundStream: (peerId: PeerId, stream: Stream) => void
  createOutboundStream: (peerId: PeerId, connection: Connection) => Promise<void>
}

export interface GossipStreamKeeperInit {
  /** The open connections to a peer (libp2p's `getConnections`). */
  getConnections: (peer: PeerId) => Connection[]
  logger?: Logger
  /**
   * An outbound stream younger than this is not renewed for a new inbound stream: at connection
   * time both sides open theirs at once, and a js peer answers our renewal with a new stream of its
   * own, so the two must not renew back and forth.
   *
   * @default 5000
   */
  renewQuietMs?: number
  /**
   * First wait before reopening a stream that closed under a live connection, in ms; it doubles
   * per failed attempt up to 30 s, and resets once a stream stays open.
   *
   * @default 1000
   */
  reopenDelayMs?: number
}

const MAX_REOPEN_DELAY_MS = 30_000
/** Longest wait for another open of a stream to the same peer before opening one anyway. */
const OPEN_WAIT_MS = 10_000

/**
 * Installs the keeper on `pubsub` (wrapping its `createInboundStream` and `createOutboundStream`)
 * and returns a function that stops pending reopens.
 */
export function keepGossipStreams (pubsub: GossipSub, init: GossipStreamKeeperInit): () => void {
  const router = pubsub as unknown as GossipSubStreams
  const reopenDelayMs = init.reopenDelayMs ?? 1_000
  const renewQuietMs = init.renewQuietMs ?? 5_000
  const openedAt = new WeakMap<object, number>()
  const delays = new Map<string, number>()
  const timers = new Map<string, ReturnType<typeof setTimeout>>()
  const inflight = new Map<string, Promise<void>>()
  let stopped = false

  const originalInbound = router.createInboundStream.bind(router)
  const originalOutbound = router.createOutboundStream.bind(router)

  const connectionTo = (peer: PeerId): Connection | undefined =>
    init.getConnections(peer).find(connection => connection.status === 'open')

  const scheduleReopen = (peer: PeerId): void => {
    const id = peer.toString()
    if (stopped || timers.has(id)) return
    const delay = delays.get(id) ?? reopenDelayMs
    delays.set(id, Math.min(delay * 2, MAX_REOPEN_DELAY_MS))
    timers.set(id, setTimeout(() => {
      timers.delete(id)
      const connection = connectionTo(peer)
      if (stopped || !router.isStarted() || !router.peers.has(id) || router.streamsOutbound.has(id) || connection === undefined) return
      init.logger?.debug('reopening the gossip stream to a connected peer', { peer: id })
      void router.createOutboundStream(peer, connection)
    }, delay))
  }

  /** Opens a stream through gossipsub and watches it; a stream that is already dead is dropped. */
  const openOutbound = async (peer: PeerId, connection: Connection): Promise<void> => {
    await originalOutbound(peer, connection)
    const id = peer.toString()
    const stream = router.streamsOutbound.get(id)
    if (stream === undefined) {
      // refused or failed: try again while the peer stays connected
      if (router.isStarted() && router.peers.has(id)) scheduleReopen(peer)
      return
    }
    if (openedAt.has(stream)) return
    openedAt.set(stream, Date.now())
    const healthy = setTimeout(() => { if (router.streamsOutbound.get(id) === stream) delays.delete(id) }, MAX_REOPEN_DELAY_MS)
    const onClose = (): void => {
      clearTimeout(healthy)
      if (router.streamsOutbound.get(id) === stream) router.streamsOutbound.delete(id)
      // reopen unless the peer has gone or another stream took its place
      if (router.isStarted() && router.peers.has(id) && !router.streamsOutbound.has(id)) scheduleReopen(peer)
    }
    // the remote may already have reset it (a router that took a newer stream of ours)
    if (stream.rawStream.writeStatus !== 'writable') onClose()
    else stream.rawStream.addEventListener('close', onClose, { once: true })
  }

  // One open at a time per peer: two at once (gossipsub's own on a protocol change, ours on a
  // reopen) leave the remote keeping one and resetting the other, maybe the one we kept.
  router.createOutboundStream = async (peer, connection) => {
    const id = peer.toString()
    // an open that hangs (a connection dying under it) must not hold every later one
    const waitUntil = Date.now() + OPEN_WAIT_MS
    for (let running = inflight.get(id); running !== undefined && Date.now() < waitUntil; running = inflight.get(id)) {
      let timer: ReturnType<typeof setTimeout> | undefined
      await Promise.race([running, new Promise(resolve => { timer = setTimeout(resolve, waitUntil - Date.now()) })])
      clearTimeout(timer)
    }
    if (router.streamsOutbound.has(id)) return
    const attempt = openOutbound(peer, connection)
    inflight.set(id, attempt)
    try {
      await attempt
    } finally {
      if (inflight.get(id) === attempt) inflight.delete(id)
    }
  }

  router.createInboundStream = (peer, stream) => {
    originalInbound(peer, stream)
    const id = peer.toString()
    const outbound = router.streamsOutbound.get(id)
    if (outbound === undefined || !router.isStarted() || !router.peers.has(id)) return
    if (Date.now() - (openedAt.get(outbound) ?? Date.now()) < renewQuietMs) return
    const connection = connectionTo(peer)
    if (connection === undefined) return
    init.logger?.debug('peer opened a new gossip stream; renewing ours', { peer: id })
    router.streamsOutbound.delete(id)
    void outbound.close()
    void router.createOutboundStream(peer, connection)
  }

  return () => {
    stopped = true
    for (const timer of timers.values()) clearTimeout(timer)
    timers.clear()
  }
}
