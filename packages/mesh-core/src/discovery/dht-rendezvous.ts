import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { createLogger } from '../logger.js'
import { dhtRendezvous, RecentValues } from '../otp.js'
import { BackoffTicker, sleep } from './backoff-ticker.js'
import { dialDiscovered } from './dial.js'
import { parsePeerAddresses } from '../host.js'
import type { ConnectionBudget } from './connection-budget.js'
import type { DiscoveryObserver } from './dial.js'
import type { MeshHost } from '../host.js'
import type { Logger } from '../logger.js'
import type { NetworkConfig } from '../network-config.js'
import type { PeerInfo } from '@libp2p/interface'

/** How long a round waits for its entry points before it advertises and searches anyway. */
const ENTRY_WAIT_MS = 10_000

/**
 * The DHT key of a rendezvous string: CIDv1, codec raw, sha2-256 of its UTF-8 bytes (go-libp2p's
 * routing discovery `nsToCid`).
 */
export async function rendezvousCid (rendezvous: string): Promise<CID> {
  return CID.createV1(raw.code, await sha256.digest(new TextEncoder().encode(rendezvous)))
}

export interface DhtRendezvousInit {
  network: NetworkConfig
  /**
   * Where each round enters the DHT (multiaddrs with `/p2p/`), dialed first. The CLI passes
   * `PUBLIC_DHT_BOOTSTRAP_PEERS` when no bootstrap peer is configured, as Go does.
   *
   * @default the host's bootstrap peers
   */
  entryPoints?: string[]
  /** Cap of the re-announce interval in ms (`--discovery-interval`). @default 720_000 */
  interval?: number
  /** Time limit of one provide in ms. @default 60_000 */
  provideTimeout?: number
  /** Time limit of one provider search in ms. @default 120_000 */
  findTimeout?: number
  /** Most providers taken from one search. @default 100 */
  maxProviders?: number
  /** Time limit of one dial in ms. @default 120_000 */
  dialTimeout?: number
  observer?: DiscoveryObserver
  /** Dial found providers only while it wants more connections (bootstrap peers always). @default dial every one */
  budget?: ConnectionBudget
  /** @default an `edgevpn.discovery.dht` logger on stderr */
  logger?: Logger
  /** Wall clock in ms, for the OTP rendezvous. @default Date.now */
  now?: () => number
  /** Told the outcome of every rendezvous search (e.g. by `edgevpn doctor`). @default none */
  onSearch?: (search: RendezvousSearch) => void
}

/** What one rendezvous search of a round did: advertising ourselves, then looking for others. */
export interface RendezvousSearch {
  rendezvous: string
  /** Why advertising ourselves failed; absent when it worked. */
  advertiseError?: string
  /** Providers found, other than us (peer IDs). */
  providers: string[]
  /** Why the provider search ended early; absent when it ran to its end. */
  searchError?: string
}

export interface DhtRendezvous {
  start(): void
  /** Stops the rounds, aborting the one in flight. */
  stop(): Promise<void>
  /** Runs one round now (the ticker also calls this); rounds never overlap. */
  round(signal: AbortSignal): Promise<void>
}

/**
 * Finds mesh peers through the DHT: every round it connects the bootstrap peers, advertises
 * itself as a provider of the current (and previous) OTP rendezvous and dials the other providers.
 * Nodes with another token compute other rendezvous values and so never find us; membership is
 * enforced higher up, by the sealed gossip that only token holders can read.
 *
 * @throws Error when the host runs no DHT (`MeshHostInit.dht: false`)
 */
export function createDhtRendezvous (host: MeshHost, init: DhtRendezvousInit): DhtRendezvous {
  const { libp2p } = host
  const dht = libp2p.services.dht
  if (dht === undefined) throw new Error('the mesh host was created without the DHT (MeshHostInit.dht)')
  const log = init.logger ?? createLogger().child('discovery.dht')
  const now = init.now ?? Date.now
  const provideTimeout = init.provideTimeout ?? 60_000
  const findTimeout = init.findTimeout ?? 120_000
  const maxProviders = init.maxProviders ?? 100
  const dialTimeout = init.dialTimeout ?? 120_000
  const entryPoints = init.entryPoints === undefined ? host.bootstrapPeers : parsePeerAddresses(init.entryPoints, 'DHT entry point')
  const recent = new RecentValues(2)
  // rounds are chained so that a manual round() never overlaps a ticker round
  let previousRound = Promise.resolve()

  const dial = async (peer: PeerInfo, via: 'dht' | 'bootstrap', signal: AbortSignal): Promise<void> => {
    await dialDiscovered(libp2p, peer, { via, log, observer: init.observer, budget: via === 'dht' ? init.budget : undefined, signal, timeout: dialTimeout })
  }

  const stopReproviding = async (rendezvous: string): Promise<void> => {
    // kad-dht re-provides every CID it provided for 24 h; an expired rendezvous is worthless
    await dht.cancelReprovide(await rendezvousCid(rendezvous))
  }

  const announceAndFind = async (rendezvous: string, signal: AbortSignal): Promise<void> => {
    const cid = await rendezvousCid(rendezvous)
    const search: RendezvousSearch = { rendezvous, providers: [] }
    try {
      await libp2p.contentRouting.provide(cid, { signal: AbortSignal.any([signal, AbortSignal.timeout(provideTimeout)]) })
    } catch (err) {
      if (signal.aborted) return
      // still search: others may have provided even if we could not
      log.warn('advertising rendezvous failed', { rendezvous, error: err })
      search.advertiseError = errorMessage(err)
    }

    const dials: Array<Promise<void>> = []
    try {
      for await (const provider of libp2p.contentRouting.findProviders(cid, { signal: AbortSignal.any([signal, AbortSignal.timeout(findTimeout)]) })) {
        if (provider.id.equals(libp2p.peerId)) continue
        search.providers.push(provider.id.toString())
        dials.push(dial(provider, 'dht', signal))
        if (search.providers.length >= maxProviders) break
      }
    } catch (err) {
      if (!signal.aborted) {
        log.debug('provider search ended early', { rendezvous, error: err })
        search.searchError = errorMessage(err)
      }
    }
    if (!signal.aborted) init.onSearch?.(search)
    await Promise.all(dials)
  }

  const runRound = async (signal: AbortSignal): Promise<void> => {
    // a firewalled or unresolvable entry point must not hold the rendezvous for a dial timeout;
    // the dials go on meanwhile
    const entered = Promise.all(entryPoints.map(async peer => { await dial(peer, 'bootstrap', signal) }))
    await Promise.race([entered, sleep(ENTRY_WAIT_MS, signal)])
    const before = recent.list()
    recent.push(dhtRendezvous(init.network, now()))
    const current = recent.list()
    for (const expired of before.filter(value => !current.includes(value))) await stopReproviding(expired)
    for (const rendezvous of current) {
      if (signal.aborted) return
      await announceAndFind(rendezvous, signal)
    }
  }

  const round = async (signal: AbortSignal): Promise<void> => {
    const next = previousRound.then(async () => { await runRound(signal) })
    previousRound = next.catch(() => {})
    await next
  }

  const ticker = new BackoffTicker({
    maxInterval: init.interval ?? 720_000,
    onError: err => { log.error('DHT discovery round failed', { error: err }) }
  }, round)

  return {
    start: () => { ticker.start() },
    stop: async () => { await ticker.stop() },
    round
  }
}

function errorMessage (err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
