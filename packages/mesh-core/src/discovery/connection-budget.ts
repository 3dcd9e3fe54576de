/**
 * How many connections a node keeps open for the mesh's upkeep. A full mesh (every node dialling
 * every peer it finds) costs each node a connection, its keep-alives and its gossip per peer, so
 * the cost at rest grows with the mesh. Instead discovery dials found peers only while fewer than
 * `low` are connected, and when more than `high` are open, peers whose connections carry nothing
 * but upkeep (gossip, identify, ping, ledger sync) are closed, after a grace period and sparing
 * protected peers. Unlike Go's connection manager, which trims down to `low`, only the excess over
 * `high` goes: trimming to `low` leaves the closed peers short, and their refill dials land on
 * nodes above `high` again. Traffic for an unconnected peer (VPN packets, services) dials it on
 * demand: discovery has put its addresses in the peer store.
 *
 * Below `low`, the budget also dials peers found earlier, so a node whose connections closed
 * refills without waiting for the next discovery answer.
 */
import type { Logger } from '../logger.js'
import type { Connection, Libp2p, PeerId } from '@libp2p/interface'

export interface ConnectionBudgetInit {
  /**
   * Discovery dials while fewer peers than this are connected (`--connection-low-water`).
   *
   * @default 8
   */
  low?: number
  /**
   * Above this many connected peers, idle upkeep connections are closed down to this many
   * (`--connection-high-water`). Each node dials `low` and is dialled about as often, so a
   * mark near 2 × low would close connections that others just opened, and they would dial again.
   *
   * @default 3 × low
   */
  high?: number
  /** A connection younger than this is never trimmed. @default 80_000 (Go's connmgr grace) */
  gracePeriodMs?: number
  /** How often to trim and refill. @default 30_000 */
  checkIntervalMs?: number
  /**
   * Peers this node serves over an idle-looking connection, e.g. those holding a relay
   * reservation on it: never trimmed (the peer would dial again at once). @default none
   */
  isServed?: (peer: PeerId) => boolean
  logger: Logger
}

/** Peers a node dials by default (its low water mark). */
export const DEFAULT_LOW_WATER = 8

/** The peer store tag of peers that discovery found for this network: the refill dials these. */
export const DISCOVERED_TAG = 'edgevpn-discovered'
/**
 * The tag of peers dialled outside the budget (static and bootstrap peers): never trimmed. Not a
 * `keep-alive` tag, which would also make libp2p redial them (the static peer loop does that).
 */
export const KEPT_TAG = 'edgevpn-kept'

/** The keep-alive tag js-libp2p's DHT puts on its closest peers. */
const DHT_KEEP_ALIVE_TAG = 'keep-alive-kad-dht'

/**
 * Streams of mesh upkeep: a connection with only these open is idle. Everything else (the VPN,
 * services, files, relayed circuits) keeps a connection open.
 */
const UPKEEP_PROTOCOL_PREFIXES = ['/meshsub/', '/floodsub/', '/ipfs/', '/edgevpn-ts/ledger-sync/', '/libp2p/autonat/', '/libp2p/dcutr']

export interface ConnectionBudget {
  /**
   * Claims a dial if fewer than `low` peers are connected or being dialled: returns the function
   * that gives the claim back once the dial has ended, or undefined when no dial is wanted.
   */
  claimDial(): (() => void) | undefined
  start(): void
  stop(): Promise<void>
}

export function createConnectionBudget (libp2p: Libp2p, init: ConnectionBudgetInit): ConnectionBudget {
  const low = init.low ?? DEFAULT_LOW_WATER
  const high = init.high ?? 3 * low
  if (!(Number.isInteger(low) && low > 0 && Number.isInteger(high) && high >= low)) {
    throw new RangeError(`connection budget needs 0 < low <= high, got low ${low}, high ${high}`)
  }
  const gracePeriodMs = init.gracePeriodMs ?? 80_000
  const log = init.logger
  let timer: NodeJS.Timeout | undefined
  let checking: Promise<void> | undefined
  const controller = new AbortController()

  const connectedPeers = (): number => new Set(libp2p.getConnections().map(connection => connection.remotePeer.toString())).size

  const isIdle = (connection: Connection): boolean =>
    connection.streams.every(stream => stream.protocol === undefined || UPKEEP_PROTOCOL_PREFIXES.some(prefix => stream.protocol?.startsWith(prefix) === true))

  /** The peer's tags: `keep-alive…` ones (relays) and ours for static peers protect it; the others' values rank it. */
  const standing = async (peer: PeerId): Promise<{ kept: boolean, value: number }> => {
    try {
      const { tags } = await libp2p.peerStore.get(peer)
      return {
        kept: [...tags.keys()].some(name => name.startsWith('keep-alive') || name === KEPT_TAG),
        value: [...tags.values()].reduce((sum, tag) => sum + tag.value, 0)
      }
    } catch {
      return { kept: false, value: 0 }
    }
  }

  /**
   * Closes idle connections older than the grace period down to `high`: peers of least value
   * first (gossip mesh peers are tagged), newest first among equals; never protected peers.
   */
  const trim = async (): Promise<void> => {
    let excess = connectedPeers() - high
    if (excess <= 0) return
    const now = Date.now()
    const byPeer = new Map<string, Connection[]>()
    for (const connection of libp2p.getConnections()) {
      const list = byPeer.get(connection.remotePeer.toString()) ?? []
      list.push(connection)
      byPeer.set(connection.remotePeer.toString(), list)
    }
    const idle = [...byPeer.values()].filter(connections => connections.every(connection => isIdle(connection) && now - connection.timeline.open > gracePeriodMs))
    const ranked = await Promise.all(idle.map(async connections => ({ connections, newest: Math.max(...connections.map(c => c.timeline.open)), ...await standing(connections[0].remotePeer) })))
    const candidates = ranked.filter(peer => !peer.kept && init.isServed?.(peer.connections[0].remotePeer) !== true).sort((a, b) => a.value - b.value || b.newest - a.newest)
    for (const { connections } of candidates) {
      if (excess <= 0) break
      excess--
      log.debug('closing an idle connection above the high water mark', { peer: connections[0].remotePeer.toString() })
      // a close waits for the peer to end its streams: a peer that never does must not stall the budget
      await Promise.all(connections.map(async connection => { await connection.close({ signal: AbortSignal.timeout(5_000) }).catch(err => { connection.abort(err) }) }))
    }
  }

  /** Below `low`: dials peers discovery found before, chosen at random. */
  const refill = async (): Promise<void> => {
    const missing = low - connectedPeers() - dialling
    if (missing <= 0) return
    const known = await libp2p.peerStore.all({
      filters: [peer => peer.tags.has(DISCOVERED_TAG) && peer.addresses.length > 0 && libp2p.getConnections(peer.id).length === 0]
    })
    const picks = shuffled(known).slice(0, missing)
    log.debug('below the low water mark: dialling peers found earlier', { connected: connectedPeers(), candidates: known.length, dialling: picks.length })
    await Promise.all(picks.map(async peer => {
      try {
        await libp2p.dial(peer.id, { signal: AbortSignal.any([controller.signal, AbortSignal.timeout(30_000)]) })
      } catch (err) {
        log.debug('refill dial failed', { peer: peer.id.toString(), error: (err as Error).message })
      }
    }))
  }

  /**
   * js-libp2p's DHT tags its 20 closest peers keep-alive, and libp2p redials keep-alive peers the
   * moment they disconnect: up to 20 nodes that is every peer, beyond it 20 connections no budget
   * could close. The tag goes; the DHT still finds and dials its peers when it needs them.
   */
  const untagDhtKeepAlive = async (): Promise<void> => {
    const tagged = await libp2p.peerStore.all({ filters: [peer => peer.tags.has(DHT_KEEP_ALIVE_TAG)] })
    await Promise.all(tagged.map(async peer => { await libp2p.peerStore.merge(peer.id, { tags: { [DHT_KEEP_ALIVE_TAG]: undefined } }) }))
  }

  const check = (): void => {
    if (checking !== undefined) return
    checking = (async () => {
      try {
        await untagDhtKeepAlive()
        await trim()
        await refill()
      } catch (err) {
        log.debug('connection budget check failed', { error: (err as Error).message })
      }
    })().finally(() => { checking = undefined })
  }

  let dialling = 0
  return {
    claimDial: () => {
      if (connectedPeers() + dialling >= low) return undefined
      dialling++
      let released = false
      return () => {
        if (!released) dialling--
        released = true
      }
    },
    start: () => {
      if (timer !== undefined) return
      timer = setInterval(check, init.checkIntervalMs ?? 30_000).unref()
    },
    stop: async () => {
      clearInterval(timer)
      timer = undefined
      controller.abort()
      await checking
    }
  }
}

/** A uniformly random order (Fisher–Yates). */
function shuffled<T> (items: T[]): T[] {
  const order = [...items]
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]]
  }
  return order
}
