/**
 * Go's alive service (`pkg/services/alive.go`): heartbeats in the `healthcheck` bucket, and the
 * periodic scrub by the elected leader that reaps expired entries (ownership on) or wipes the
 * heartbeats so everyone re-announces (ownership off).
 */

import { BackoffTicker, createLogger } from '@edgevpn/mesh-core'
import { formatRfc3339 } from '@edgevpn/go-compat'
import { leader } from './leader.js'
import { BUCKETS } from './policy.js'
import type { Ledger } from './ledger.js'
import type { Logger } from '@edgevpn/mesh-core'

export interface AliveServiceComponents {
  ledger: Ledger
  /** This node's base58 peer ID: the heartbeat key. */
  peerId: string
}

export interface AliveServiceInit {
  /**
   * Max interval of the heartbeat backoff ticker in ms (`--aliveness-healthcheck-interval`).
   *
   * @default 120000
   */
  heartbeatIntervalMs?: number
  /**
   * How often the leader scrubs, in ms (`--aliveness-healthcheck-scrub-interval`).
   *
   * @default 600000
   */
  scrubIntervalMs?: number
  /**
   * Heartbeat age that still counts as available, in ms (`--aliveness-healthcheck-max-interval`).
   * Tombstones are reaped after 3 × this.
   *
   * @default 900000
   */
  maxIntervalMs?: number
  /** @default Date.now */
  clock?: () => number
  /** @default an `edgevpn.alive` logger */
  logger?: Logger
}

export class AliveService {
  private readonly ledger: Ledger
  private readonly peerId: string
  private readonly scrubIntervalMs: number
  private readonly maxIntervalMs: number
  private readonly clock: () => number
  private readonly logger: Logger
  private readonly ticker: BackoffTicker
  private lastScrub = 0

  constructor (components: AliveServiceComponents, init: AliveServiceInit = {}) {
    this.ledger = components.ledger
    this.peerId = components.peerId
    this.scrubIntervalMs = init.scrubIntervalMs ?? 600_000
    this.maxIntervalMs = init.maxIntervalMs ?? 900_000
    this.clock = init.clock ?? Date.now
    this.logger = init.logger ?? createLogger().child('alive')
    this.ticker = new BackoffTicker({
      maxInterval: init.heartbeatIntervalMs ?? 120_000,
      onError: err => { this.logger.warn('heartbeat failed', { error: err }) }
    }, async () => { await this.tick() })
  }

  start (): void {
    if (this.ticker.isRunning()) return
    this.lastScrub = this.clock()
    this.ticker.start()
  }

  async stop (): Promise<void> {
    await this.ticker.stop()
  }

  /** Go `AvailableNodes(maxtime)`: peers with a heartbeat younger than the max interval. */
  availableNodes (): string[] {
    return this.ledger.availableNodes(this.maxIntervalMs)
  }

  /** One heartbeat, then the scrub when it is due and this node leads. */
  async tick (): Promise<void> {
    const now = this.clock()
    await this.ledger.put(BUCKETS.healthcheck, this.peerId, formatRfc3339(now))
    const nodes = this.availableNodes()
    if (nodes.length === 0 || now - this.lastScrub < this.scrubIntervalMs) return
    // every node restarts its scrub period here, leader or not, as in Go
    this.lastScrub = now
    if (leader(nodes) !== this.peerId) return
    if (this.ledger.mode === 'off') {
      await this.ledger.deleteBucket(BUCKETS.healthcheck)
    } else {
      await this.ledger.reap(3 * this.maxIntervalMs)
    }
    this.logger.debug('scrubbed as leader', { nodes: nodes.length })
  }
}
