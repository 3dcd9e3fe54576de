/**
 * The sealed gossip hub of a mesh (Go `pkg/hub`): one gossipsub topic that follows the OTP
 * rotation, sealed JSON envelopes out, and a bounded, crash-proof receive pipeline in.
 */

import { createLogger, DEFAULT_MAX_MESSAGE_SIZE } from '@edgevpn/mesh-core'
import { decodeEnvelope, encodeEnvelope, EnvelopeDecodeError } from './envelope.js'
import type { SealKeyring } from './seal-keys.js'
import type { Logger, MeshLibp2p } from '@edgevpn/mesh-core'
import type { PeerId } from '@libp2p/interface'

/** Why a received message was dropped. */
export type DropReason = 'oversized' | 'badEnvelope' | 'unsealFailed' | 'gunzipFailed' | 'badBlock' | 'badChanges' | 'handlerError' | 'queueFull'

const DROP_REASONS: readonly DropReason[] = ['oversized', 'badEnvelope', 'unsealFailed', 'gunzipFailed', 'badBlock', 'badChanges', 'handlerError', 'queueFull']

export interface GossipHubStats {
  /** Messages from other peers on our topics, before any check. */
  received: number
  /** Messages every handler accepted. */
  delivered: number
  /** Messages we authored that came back to us (Go drops `ReceivedFrom == self`). */
  fromSelf: number
  published: number
  publishFailed: number
  dropped: Record<DropReason, number>
}

/**
 * Thrown by a handler to reject a message for a counted reason (for example a payload that does
 * not gunzip) rather than fail on it.
 */
export class MessageDropError extends Error {
  readonly reason: DropReason

  constructor (reason: DropReason, message: string) {
    super(message)
    this.name = 'MessageDropError'
    this.reason = reason
  }
}

export interface HubMessage {
  /** The unsealed payload (Go `Message` after `AESDecrypt`). */
  readonly payload: Uint8Array
  /** The peer that delivered the message to us (Go overwrites `SenderID` with it); not the author. */
  readonly senderId: string
  /** The same peer as {@link senderId}: always one we are connected to. */
  readonly forwarder: PeerId
  /** The author who signed the gossipsub message. */
  readonly author: PeerId | undefined
  readonly topic: string
}

export type HubHandler = (message: HubMessage) => void | Promise<void>

export interface GossipHubComponents {
  peerId: PeerId
  pubsub: MeshLibp2p['services']['pubsub']
}

export interface GossipHubInit {
  /** The topic to be on at a given time, e.g. `now => ledgerTopic(network, now)`. */
  topicAt: (nowMs: number) => string
  /** Seals outgoing payloads and opens incoming ones. */
  keyring: SealKeyring
  /**
   * Envelopes longer than this are dropped unread (the token's `max_message_size`).
   *
   * @default 20 MiB
   */
  maxMessageSize?: number
  /**
   * How often to check for a topic rotation, in ms (Go: every second).
   *
   * @default 1000
   */
  rotationCheckMs?: number
  /**
   * How long to keep receiving on the previous topic after a rotation, in ms, so that messages
   * from peers whose clocks are a little behind are not lost (Go has no overlap).
   *
   * @default 30000
   */
  previousTopicGraceMs?: number
  /**
   * Received messages waiting to be processed, at most (Go buffers 128 per topic); more are dropped.
   *
   * @default 128
   */
  maxQueuedMessages?: number
  /**
   * Bytes of received messages waiting to be processed, at most; more are dropped.
   *
   * @default 64 MiB
   */
  maxQueuedBytes?: number
  /** @default Date.now */
  clock?: () => number
  /** @default an `edgevpn.hub` logger */
  logger?: Logger
}

interface Queued {
  readonly data: Uint8Array
  readonly topic: string
  readonly forwarder: PeerId
  readonly author: PeerId | undefined
}

/**
 * A gossipsub topic whose name rotates with the OTP period. Go replaces its whole router at a
 * rotation; this hub keeps the host's gossipsub and moves its subscription, listening on the
 * previous topic for a grace period. Messages are processed one at a time from a bounded queue;
 * nothing a peer sends can throw out of the hub.
 */
export class GossipHub {
  readonly stats: GossipHubStats
  private readonly components: GossipHubComponents
  private readonly topicAt: (nowMs: number) => string
  private readonly keyring: SealKeyring
  private readonly maxMessageSize: number
  private readonly rotationCheckMs: number
  private readonly previousTopicGraceMs: number
  private readonly maxQueuedMessages: number
  private readonly maxQueuedBytes: number
  private readonly clock: () => number
  private readonly logger: Logger
  private readonly handlers = new Set<HubHandler>()
  private readonly joinListeners = new Set<(peer: PeerId) => void>()
  private readonly queue: Queued[] = []
  private queuedBytes = 0
  private draining?: Promise<void>
  private drainRunning = false
  private current?: string
  private previous?: { topic: string, until: number }
  private timer?: ReturnType<typeof setInterval>

  constructor (components: GossipHubComponents, init: GossipHubInit) {
    this.components = components
    this.topicAt = init.topicAt
    this.keyring = init.keyring
    this.maxMessageSize = init.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE
    this.rotationCheckMs = init.rotationCheckMs ?? 1_000
    this.previousTopicGraceMs = init.previousTopicGraceMs ?? 30_000
    this.maxQueuedMessages = init.maxQueuedMessages ?? 128
    this.maxQueuedBytes = init.maxQueuedBytes ?? 64 * 1024 * 1024
    this.clock = init.clock ?? Date.now
    this.logger = init.logger ?? createLogger().child('hub')
    const dropped = Object.fromEntries(DROP_REASONS.map(reason => [reason, 0])) as Record<DropReason, number>
    this.stats = { received: 0, delivered: 0, fromSelf: 0, published: 0, publishFailed: 0, dropped }
  }

  /** The topic we publish on, or undefined before {@link start}. */
  get topic (): string | undefined {
    return this.current
  }

  /** Joins the current topic and starts following the rotation. */
  start (): void {
    if (this.timer !== undefined) return
    const { pubsub } = this.components
    pubsub.addEventListener('gossipsub:message', this.onGossip)
    pubsub.addEventListener('subscription-change', this.onSubscriptionChange)
    this.rotate()
    this.timer = setInterval(() => { this.rotate() }, this.rotationCheckMs)
  }

  /** Leaves the topics and waits for the message being processed; queued ones are discarded. */
  async stop (): Promise<void> {
    if (this.timer === undefined) return
    clearInterval(this.timer)
    this.timer = undefined
    const { pubsub } = this.components
    pubsub.removeEventListener('gossipsub:message', this.onGossip)
    pubsub.removeEventListener('subscription-change', this.onSubscriptionChange)
    for (const topic of this.topics()) pubsub.unsubscribe(topic)
    this.current = undefined
    this.previous = undefined
    this.queue.length = 0
    this.queuedBytes = 0
    await this.draining
  }

  /** Runs `handler` for every message that unseals; returns a function that removes it. */
  addHandler (handler: HubHandler): () => void {
    this.handlers.add(handler)
    return () => { this.handlers.delete(handler) }
  }

  /** Calls `listener` when a peer subscribes to the current topic. */
  onPeerJoin (listener: (peer: PeerId) => void): () => void {
    this.joinListeners.add(listener)
    return () => { this.joinListeners.delete(listener) }
  }

  /** The peers subscribed to the current topic. */
  topicPeers (): PeerId[] {
    return this.current === undefined ? [] : this.components.pubsub.getSubscribers(this.current)
  }

  /**
   * Seals `payload` into an envelope and publishes it on the current topic.
   *
   * @returns false when it was not sent: the hub is stopped (Go's silently ignored
   * "no message room available") or publishing failed (logged)
   */
  async publish (payload: Uint8Array): Promise<boolean> {
    const topic = this.current
    if (topic === undefined) return false
    const data = encodeEnvelope({ message: this.keyring.seal(payload), senderId: '', annotations: null })
    if (data.length > this.maxMessageSize) {
      this.stats.publishFailed++
      this.logger.warn('message not published: larger than max_message_size', { bytes: data.length, limit: this.maxMessageSize })
      return false
    }
    try {
      await this.components.pubsub.publish(topic, data)
      this.stats.published++
      return true
    } catch (err) {
      this.stats.publishFailed++
      this.logger.warn('publish failed', { topic, error: err })
      return false
    }
  }

  private topics (): string[] {
    const topics = this.current === undefined ? [] : [this.current]
    if (this.previous !== undefined) topics.push(this.previous.topic)
    return topics
  }

  private rotate (): void {
    const now = this.clock()
    const { pubsub } = this.components
    if (this.previous !== undefined && this.previous.until <= now) {
      pubsub.unsubscribe(this.previous.topic)
      this.previous = undefined
    }
    const next = this.topicAt(now)
    if (next === this.current) return
    if (this.previous !== undefined) pubsub.unsubscribe(this.previous.topic)
    this.previous = this.current === undefined ? undefined : { topic: this.current, until: now + this.previousTopicGraceMs }
    pubsub.subscribe(next)
    this.current = next
    this.logger.debug('joined topic', { topic: next })
  }

  private readonly onSubscriptionChange = (event: CustomEvent<{ peerId: PeerId, subscriptions: Array<{ topic: string, subscribe: boolean }> }>): void => {
    const { peerId, subscriptions } = event.detail
    if (!subscriptions.some(s => s.subscribe && s.topic === this.current)) return
    for (const listener of this.joinListeners) {
      try {
        listener(peerId)
      } catch (err) {
        this.logger.warn('peer join listener failed', { error: err })
      }
    }
  }

  private readonly onGossip = (event: CustomEvent<{ propagationSource: PeerId, msg: { topic: string, data: Uint8Array, type: string, from?: PeerId } }>): void => {
    const { propagationSource, msg } = event.detail
    if (msg.topic !== this.current && msg.topic !== this.previous?.topic) return
    const self = this.components.peerId
    if (propagationSource.equals(self) || msg.from?.equals(self) === true) {
      this.stats.fromSelf++
      return
    }
    this.stats.received++
    if (msg.data.length > this.maxMessageSize) {
      this.drop('oversized', `${msg.data.length} bytes`)
      return
    }
    if (this.queue.length >= this.maxQueuedMessages || this.queuedBytes + msg.data.length > this.maxQueuedBytes) {
      this.drop('queueFull', `${this.queue.length} messages waiting`)
      return
    }
    this.queue.push({ data: msg.data, topic: msg.topic, forwarder: propagationSource, author: msg.from })
    this.queuedBytes += msg.data.length
    if (!this.drainRunning) {
      this.drainRunning = true
      this.draining = this.drain()
    }
  }

  private async drain (): Promise<void> {
    for (let next = this.queue.shift(); next !== undefined; next = this.queue.shift()) {
      this.queuedBytes -= next.data.length
      try {
        await this.process(next)
      } catch (err) {
        // process() catches what peers can cause; this guards the loop against anything else
        this.drop('handlerError', (err as Error).message)
      }
    }
    // cleared in the same turn as the last empty shift(), so no message can be left waiting
    this.drainRunning = false
  }

  private async process (queued: Queued): Promise<void> {
    let sealed: string
    try {
      sealed = decodeEnvelope(queued.data, this.maxMessageSize).message
    } catch (err) {
      const reason = err instanceof EnvelopeDecodeError && err.oversized ? 'oversized' : 'badEnvelope'
      this.drop(reason, (err as Error).message)
      return
    }
    const payload = this.keyring.unseal(sealed)
    if (payload === undefined) {
      this.drop('unsealFailed', `from ${queued.forwarder.toString()}`)
      return
    }
    const message: HubMessage = {
      payload, senderId: queued.forwarder.toString(), forwarder: queued.forwarder, author: queued.author, topic: queued.topic
    }
    for (const handler of this.handlers) {
      try {
        await handler(message)
      } catch (err) {
        if (err instanceof MessageDropError) {
          this.drop(err.reason, err.message)
        } else {
          this.drop('handlerError', (err as Error).message)
          this.logger.warn('handler error', { error: err, sender: message.senderId })
        }
        return
      }
    }
    this.stats.delivered++
  }

  private drop (reason: DropReason, detail: string): void {
    this.stats.dropped[reason]++
    this.logger.debug('message dropped', { reason, detail })
  }
}
