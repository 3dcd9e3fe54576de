/**
 * TCP hole punching between two peers behind NAT that share a relayed connection.
 *
 * libp2p's DCUtR cannot do it in js-libp2p: it offers the peer only addresses AutoNAT confirmed
 * (a NATed node has none) and dials from an ephemeral port, so the address the peer dials back
 * has no NAT mapping. Here each side picks a local port, learns the public address a relay sees
 * for it (a probe connection from that port, read back with identify), the two sides swap those
 * addresses over the relayed connection, and both dial each other from that port at the same
 * moment (a TCP simultaneous open through both NATs). A NAT that does not keep the source port
 * (symmetric, e.g. MASQUERADE `--random-fully`) gives the probe and the punch different public
 * ports; that is reported as the reason when the punch fails.
 */
import { createServer } from 'node:net'
import { TypedEventEmitter } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { lpStream } from '@libp2p/utils'
import { CODE_IP4, CODE_IP6, CODE_P2P, CODE_P2P_CIRCUIT, CODE_TCP, multiaddr } from '@multiformats/multiaddr'
import type { Connection, DialTransportOptions, IdentifyResult, Libp2p, MultiaddrConnection, PeerId, Stream, Transport, Upgrader, UpgraderOptions } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/** The coordination protocol, run over the relayed connection. */
export const HOLE_PUNCH_PROTOCOL = '/edgevpn-ts/holepunch/1.0.0'

/** The result of one hole punch attempt with a peer. */
export interface HolePunchResult {
  /** Peer ID, base58btc. */
  readonly peer: string
  readonly ok: boolean
  /** Why it failed, e.g. `symmetric NAT`; the direct address when it worked. */
  readonly detail: string
}

export interface HolePunchEvents {
  'hole-punch': CustomEvent<HolePunchResult>
}

export interface HolePuncherInit {
  /** How often peers reached only through a relay are punched again, in ms. @default 60_000 */
  retryInterval?: number
  /** Longest time one attempt (probe, exchange and dial) may take, in ms. @default 15_000 */
  timeout?: number
  /** Wait after a relayed connection opens before punching, so identify can finish, in ms. @default 2_000 */
  startDelay?: number
  /**
   * How long the relayed connection stays open next to a new direct one, in ms, so streams on it
   * (the VPN) move over before it closes. @default 10_000
   */
  closeRelayedAfter?: number
}

export interface HolePuncherComponents {
  libp2p: Libp2p
  dialer: PunchDialer
}

export interface PunchDialerComponents {
  /** libp2p's transport manager (only `dialTransportForMultiaddr` is used). */
  transportManager: { dialTransportForMultiaddr: (address: Multiaddr) => Transport | undefined }
  upgrader: Upgrader
}

export interface PunchDialOptions {
  /** The local port the TCP connection leaves from. */
  localPort: number
  /** Whether we run the upgrade as its initiator (false: as the responder). */
  initiator: boolean
  signal: AbortSignal
}

/**
 * A libp2p service that dials TCP from a chosen local port. libp2p's own dial path does not pass
 * transport options through its dial queue, so the TCP transport is called directly, with
 * libp2p's upgrader: the connection is announced like any other.
 */
export class PunchDialer {
  readonly #components: PunchDialerComponents

  constructor (components: PunchDialerComponents) {
    this.#components = components
  }

  readonly [Symbol.toStringTag] = 'edgevpn:punch-dialer'

  async dial (address: Multiaddr, options: PunchDialOptions): Promise<Connection> {
    const transport = this.#components.transportManager.dialTransportForMultiaddr(address)
    if (transport === undefined) throw new HolePunchError(`no transport dials ${address.toString()}`)
    // localPort reaches net.connect (@libp2p/tcp spreads its dial options into it)
    const dialOptions: DialTransportOptions & { localPort: number } = {
      upgrader: options.initiator ? this.#components.upgrader : responderUpgrader(this.#components.upgrader),
      signal: options.signal,
      localPort: options.localPort
    }
    return await transport.dial(address, dialOptions)
  }
}

/**
 * The upgrader for the responding side of a simultaneous open: the connection is ours as a dial,
 * but it must be upgraded as an inbound one (noise responder, multistream listener, yamux server
 * — yamux reads the role from the connection's direction, hence the flip).
 */
function responderUpgrader (upgrader: Upgrader): Upgrader {
  return Object.assign(Object.create(upgrader) as Upgrader, {
    upgradeOutbound: async (maConn: MultiaddrConnection, opts: UpgraderOptions): Promise<Connection> => {
      maConn.direction = 'inbound'
      return await upgrader.upgradeOutbound(maConn, { ...opts, initiator: false })
    }
  })
}

export function punchDialer (): (components: PunchDialerComponents) => PunchDialer {
  return components => new PunchDialer(components)
}

/** What one side tells the other: the public address its punch port maps to. */
interface Candidate {
  /** `/ip4/<public ip>/tcp/<public port>`. */
  address: string
  /** Whether the NAT kept the local port as the public one (false: symmetric mapping). */
  portKept: boolean
}

interface LocalCandidate extends Candidate {
  localPort: number
}

/** A hole punch failure whose reason is meant for users (the peer table shows it). */
class HolePunchError extends Error {
  override name = 'HolePunchError'
}

/**
 * Punches holes to every peer we reach only through a relay: when such a connection opens and
 * again every `retryInterval`. Of the two peers, the one with the smaller peer ID starts. Emits
 * `hole-punch` with each attempt's result, on both sides.
 */
export class HolePuncher extends TypedEventEmitter<HolePunchEvents> {
  readonly #components: HolePuncherComponents
  readonly #retryInterval: number
  readonly #timeout: number
  readonly #startDelay: number
  readonly #closeRelayedAfter: number
  readonly #running = new Set<string>()
  readonly #timers = new Set<ReturnType<typeof setTimeout>>()
  #interval?: ReturnType<typeof setInterval>
  readonly #onConnectionOpen = (event: CustomEvent<Connection>): void => {
    if (isRelayed(event.detail) && this.#starts(event.detail.remotePeer)) this.#later(this.#startDelay, () => { this.#punchIfRelayed(event.detail.remotePeer) })
  }

  constructor (components: HolePuncherComponents, init: HolePuncherInit = {}) {
    super()
    this.#components = components
    this.#retryInterval = init.retryInterval ?? 60_000
    this.#timeout = init.timeout ?? 15_000
    this.#startDelay = init.startDelay ?? 2_000
    this.#closeRelayedAfter = init.closeRelayedAfter ?? 10_000
  }

  async start (): Promise<void> {
    const { libp2p } = this.#components
    await libp2p.handle(HOLE_PUNCH_PROTOCOL, (stream, connection) => { this.#respond(stream, connection) }, { runOnLimitedConnection: true })
    libp2p.addEventListener('connection:open', this.#onConnectionOpen)
    this.#interval = setInterval(() => {
      for (const connection of libp2p.getConnections()) {
        if (this.#starts(connection.remotePeer)) this.#punchIfRelayed(connection.remotePeer)
      }
    }, this.#retryInterval)
    this.#interval.unref()
  }

  async stop (): Promise<void> {
    clearInterval(this.#interval)
    for (const timer of this.#timers) clearTimeout(timer)
    this.#timers.clear()
    this.#components.libp2p.removeEventListener('connection:open', this.#onConnectionOpen)
    await this.#components.libp2p.unhandle(HOLE_PUNCH_PROTOCOL)
  }

  /** Starts an attempt if `peer` is connected only through relays and none is running. */
  #punchIfRelayed (peer: PeerId): void {
    const connections = this.#components.libp2p.getConnections(peer).filter(connection => connection.status === 'open')
    const relayed = connections.find(isRelayed)
    if (relayed === undefined || connections.some(connection => !isRelayed(connection))) return
    this.#attempt(peer, async signal => { await this.#initiate(relayed, signal) })
  }

  /** As the peer with the smaller ID: swap candidates, then both dial after half a round trip. */
  async #initiate (relayed: Connection, signal: AbortSignal): Promise<void> {
    const local = await this.#candidate(relayed, signal)
    const stream = await relayed.newStream(HOLE_PUNCH_PROTOCOL, { runOnLimitedConnection: true, signal })
    try {
      const messages = lpStream(stream)
      const sentAt = Date.now()
      await messages.write(encode({ address: local.address, portKept: local.portKept }), { signal })
      const remote = decode((await messages.read({ signal })).subarray())
      const roundTrip = Date.now() - sentAt
      await messages.write(encode({ sync: true }), { signal })
      await delay(roundTrip / 2, signal)
      await this.#dial(relayed, local, remote, true, signal)
    } finally {
      await stream.close().catch(err => { stream.abort(err) })
    }
  }

  #respond (stream: Stream, relayed: Connection): void {
    const started = this.#attempt(relayed.remotePeer, async signal => {
      try {
        const messages = lpStream(stream)
        const remote = decode((await messages.read({ signal })).subarray())
        const local = await this.#candidate(relayed, signal)
        await messages.write(encode({ address: local.address, portKept: local.portKept }), { signal })
        await messages.read({ signal })
        await this.#dial(relayed, local, remote, false, signal)
      } finally {
        await stream.close().catch(err => { stream.abort(err) })
      }
    })
    if (!started) stream.abort(new HolePunchError('a hole punch with this peer is already running'))
  }

  /**
   * Runs one attempt per peer at a time, reports its result and closes the relayed connection
   * after a success. Returns false when an attempt with the peer is already running.
   */
  #attempt (peer: PeerId, punch: (signal: AbortSignal) => Promise<void>): boolean {
    const id = peer.toString()
    if (this.#running.has(id)) return false
    this.#running.add(id)
    const signal = AbortSignal.timeout(this.#timeout)
    punch(signal).then(() => {
      const direct = this.#components.libp2p.getConnections(peer).find(connection => !isRelayed(connection))
      if (direct === undefined) throw new HolePunchError('the direct connection closed at once')
      this.safeDispatchEvent('hole-punch', { detail: { peer: id, ok: true, detail: direct.remoteAddr.toString() } })
      this.#later(this.#closeRelayedAfter, () => { this.#closeRelayed(peer) })
    }).catch((err: Error) => {
      const detail = err instanceof HolePunchError ? err.message : signal.aborted ? 'timed out' : err.message
      this.safeDispatchEvent('hole-punch', { detail: { peer: id, ok: false, detail } })
    }).finally(() => {
      this.#running.delete(id)
    })
    return true
  }

  /**
   * Picks a free local port and learns its public address: a connection from that port to the
   * relay the peer's connection goes through, whose identify answer says what the relay saw.
   */
  async #candidate (relayed: Connection, signal: AbortSignal): Promise<LocalCandidate> {
    const { libp2p } = this.#components
    const relay = relayOf(relayed)
    const relayAddress = libp2p.getConnections(relay).find(connection => !isRelayed(connection) && isTcp(connection.remoteAddr))?.remoteAddr
    if (relayAddress === undefined) throw new HolePunchError('no direct TCP connection to the relay')
    const localPort = await freePort()
    // libp2p identifies every new connection itself: wait for that answer rather than ask again
    const identified = new Map<string, IdentifyResult>()
    let wake = (): void => {}
    const onIdentify = (event: CustomEvent<IdentifyResult>): void => {
      identified.set(event.detail.connection.id, event.detail)
      wake()
    }
    libp2p.addEventListener('peer:identify', onIdentify)
    const probe = await this.#components.dialer.dial(relayAddress, { localPort, initiator: true, signal }).catch(err => {
      libp2p.removeEventListener('peer:identify', onIdentify)
      throw err
    })
    try {
      while (!identified.has(probe.id)) {
        signal.throwIfAborted()
        await new Promise<void>(resolve => {
          wake = resolve
          setTimeout(resolve, 250)
        })
      }
      const { observedAddr } = identified.get(probe.id) as IdentifyResult
      const observed = observedAddr === undefined ? undefined : tcpEndpoint(observedAddr)
      if (observed === undefined) throw new HolePunchError('the relay did not say which address it sees')
      return { address: `/${observed.family}/${observed.host}/tcp/${observed.port}`, portKept: observed.port === localPort, localPort }
    } finally {
      libp2p.removeEventListener('peer:identify', onIdentify)
      await probe.close().catch(err => { probe.abort(err) })
    }
  }

  /** The simultaneous dial, from the candidate's port to the peer's public address. */
  async #dial (relayed: Connection, local: LocalCandidate, remote: Candidate, initiator: boolean, signal: AbortSignal): Promise<void> {
    const peer = relayed.remotePeer
    try {
      const target = multiaddr(`${remote.address}/p2p/${peer.toString()}`)
      // the two dials meet as one TCP connection: one side must act as the upgrade's responder
      await this.#components.dialer.dial(target, { localPort: local.localPort, initiator, signal })
    } catch (err) {
      if (!local.portKept) throw new HolePunchError('symmetric NAT (ours)')
      if (!remote.portKept) throw new HolePunchError('symmetric NAT (the peer\'s)')
      throw err
    }
  }

  #closeRelayed (peer: PeerId): void {
    const connections = this.#components.libp2p.getConnections(peer)
    if (!connections.some(connection => !isRelayed(connection))) return
    for (const connection of connections.filter(isRelayed)) {
      void connection.close().catch(err => { connection.abort(err) })
    }
  }

  #starts (peer: PeerId): boolean {
    return this.#components.libp2p.peerId.toString() < peer.toString()
  }

  #later (ms: number, task: () => void): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer)
      task()
    }, ms)
    this.#timers.add(timer)
  }
}

/** Whether a connection goes through a relay. */
export function isRelayed (connection: Connection): boolean {
  return connection.limits != null || connection.remoteAddr.getComponents().some(c => c.code === CODE_P2P_CIRCUIT)
}

function relayOf (relayed: Connection): PeerId {
  const components = relayed.remoteAddr.getComponents()
  const circuit = components.findIndex(c => c.code === CODE_P2P_CIRCUIT)
  const relayId = components.slice(0, Math.max(circuit, 0)).findLast(c => c.code === CODE_P2P)?.value
  if (relayId === undefined) throw new HolePunchError('the relayed connection does not name its relay')
  return peerIdFromString(relayId)
}

function isTcp (address: Multiaddr): boolean {
  return address.getComponents().some(c => c.code === CODE_TCP)
}

function tcpEndpoint (address: Multiaddr): { family: 'ip4' | 'ip6', host: string, port: number } | undefined {
  const components = address.getComponents()
  const ip = components.find(c => c.code === CODE_IP4 || c.code === CODE_IP6)
  const port = components.find(c => c.code === CODE_TCP)?.value
  if (ip?.value === undefined || port === undefined) return undefined
  return { family: ip.code === CODE_IP4 ? 'ip4' : 'ip6', host: ip.value, port: Number(port) }
}

/** A TCP port nothing listens on right now, from the kernel. */
async function freePort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, () => {
      const address = server.address()
      server.close(() => {
        if (typeof address === 'object' && address !== null) resolve(address.port)
        else reject(new HolePunchError('no free local port'))
      })
    })
  })
}

function encode (message: Candidate | { sync: true }): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(message))
}

function decode (bytes: Uint8Array): Candidate {
  let value: unknown
  try {
    value = JSON.parse(new TextDecoder().decode(bytes))
  } catch {
    throw new HolePunchError('the peer sent a message that is not JSON')
  }
  if (typeof value !== 'object' || value === null || typeof (value as Candidate).address !== 'string' || typeof (value as Candidate).portKept !== 'boolean') {
    throw new HolePunchError('the peer sent a malformed candidate')
  }
  const candidate = value as Candidate
  if (!isTcpAddress(candidate.address)) throw new HolePunchError(`the peer sent an invalid address ${candidate.address}`)
  return candidate
}

function isTcpAddress (text: string): boolean {
  try {
    return tcpEndpoint(multiaddr(text)) !== undefined
  } catch {
    return false
  }
}

async function delay (ms: number, signal: AbortSignal): Promise<void> {
  signal.throwIfAborted()
  await new Promise(resolve => setTimeout(resolve, ms))
}
