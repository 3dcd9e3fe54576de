import { networkInterfaces } from 'node:os'
import { autoNAT } from '@libp2p/autonat'
import { circuitRelayServer, circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { gossipsub } from '@libp2p/gossipsub'
import { identify, identifyPush } from '@libp2p/identify'
import { peerIdFromString } from '@libp2p/peer-id'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { isPrivateIp } from '@libp2p/utils'
import { yamux } from '@libp2p/yamux'
import { CODE_IP4, CODE_IP6, CODE_P2P, CODE_QUIC_V1, multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { coalescedNoise } from './coalesced-noise.js'
import { mdnsService } from './discovery/mdns-service.js'
import { createBlacklistGater } from './gater.js'
import { HolePuncher, punchDialer } from './hole-punch.js'
import { createLogger } from './logger.js'
import { keepGossipStreams } from './gossip-streams.js'
import { relayReservations } from './relay-reservations.js'
import { createTrafficMeter } from './traffic-meter.js'
import type { RelayReservations } from './relay-reservations.js'
import type { TrafficMeter } from './traffic-meter.js'
import type { MdnsService, MdnsServiceInit } from './discovery/mdns-service.js'
import type { Logger } from './logger.js'
import type { BlacklistGater } from './gater.js'
import type { PunchDialer } from './hole-punch.js'
import type { CircuitRelayService } from '@libp2p/circuit-relay-v2'
import type { GossipSub } from '@libp2p/gossipsub'
import type { Identify, IdentifyPush } from '@libp2p/identify'
import type { ConnectionGater, Libp2p, PeerId, PeerInfo, PrivateKey } from '@libp2p/interface'
import type { KadDHT } from '@libp2p/kad-dht'
import type { Ping } from '@libp2p/ping'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { ServiceFactoryMap } from 'libp2p'

/** A host option is malformed (bad multiaddr, bootstrap peer without `/p2p/`, ...). */
export class InvalidHostOptionError extends Error {
  override name = 'InvalidHostOptionError'
}

/** The libp2p services every mesh host runs; `dht`, `relay` and `mdns` only when enabled. */
export type MeshServices = {
  identify: Identify
  identifyPush: IdentifyPush
  ping: Ping
  dht?: KadDHT
  pubsub: GossipSub
  autoNAT: unknown
  autoNATv2?: unknown
  dcutr?: unknown
  upnp?: unknown
  punchDialer?: PunchDialer
  relayReservations?: RelayReservations
  relay?: CircuitRelayService
  mdns?: MdnsService
}

/** The libp2p node of a mesh host: `libp2p.services.pubsub`, `.handle()`, `.dialProtocol()`, ... */
export type MeshLibp2p = Libp2p<MeshServices>

/** Go edgevpn's DHT protocol: the public IPFS Amino DHT. */
export const DHT_PROTOCOL = '/ipfs/kad/1.0.0'

/** Go edgevpn's default `max_message_size` (20 MiB). */
export const DEFAULT_MAX_MESSAGE_SIZE = 20 * 1024 * 1024

export interface ConnectionLimitsInit {
  /**
   * Most open connections; js-libp2p prunes the least valuable ones above it. (js-libp2p v3 has
   * no low/high water marks; this plays the role of Go's connmgr high water.)
   *
   * @default 192
   */
  maxConnections?: number
}

/** Limits of the circuit relay v2 service we offer to other peers (Go `--relay-service-*`). */
export interface RelayServerInit {
  /** @default 128 */
  maxReservations?: number
  /** Reservation lifetime in ms. @default 3_600_000 */
  reservationTtl?: number
  /** Longest life of one relayed connection in ms. @default 1_800_000 */
  durationLimit?: number
  /** Bytes one relayed connection may carry per direction. @default 1 GiB */
  dataLimit?: bigint
  /** Relayed connections one peer may have through us at once (hop streams per connection). @default 64 */
  maxCircuits?: number
  /**
   * Who may hold a reservation (Go's `NetworkOnlyACL`); connecting through a reservation is
   * always allowed. @default everyone
   */
  allowReservation?: (peer: PeerId) => boolean
}

/** Circuit relay v2 client: the relays this node reserves a slot on so others can reach it. */
export interface RelayClientInit {
  /** Relay multiaddrs (each with `/p2p/<peer id>`) to always hold a reservation on. @default [] */
  staticRelays?: string[]
  /**
   * Also reserve on relays found among connected peers, unless a listen address is public.
   * @default true
   */
  discoverRelays?: boolean
  /** Reservations on the static relays wait until this says yes. @default always */
  ready?: () => boolean
}

export interface MdnsInit extends Omit<MdnsServiceInit, 'serviceTag' | 'logger'> {
  /** Service name; Go edgevpn uses the token's `mdns` string. Queries go to `<serviceName>.local`. */
  serviceName: string
}

export interface MeshHostInit {
  /** The node identity. @default a new Ed25519 key */
  privateKey?: PrivateKey
  /**
   * Go's defaults for TCP and QUIC: every IPv4 and IPv6 address (where the host has no IPv6, only
   * IPv4).
   *
   * @default ['/ip4/0.0.0.0/tcp/0', '/ip4/0.0.0.0/udp/0/quic-v1', '/ip6/::/tcp/0', '/ip6/::/udp/0/quic-v1'] (the QUIC ones only with `quic`)
   */
  listen?: string[]
  /** Addresses announced instead of the listen addresses. @default [] */
  announce?: string[]
  /** @default {} */
  connectionLimits?: ConnectionLimitsInit
  /** CIDRs, IP addresses and peer IDs to refuse (see {@link createBlacklistGater}). @default [] */
  blacklist?: string[]
  /**
   * Bootstrap multiaddrs; each must end in `/p2p/<peer id>`. They are DHT entry points and
   * gossipsub direct peers. @default []
   */
  bootstrapPeers?: string[]
  /** @default 'edgevpn' */
  userAgent?: string
  /** Enable the QUIC-v1 transport. @default true */
  quic?: boolean
  /** Offer a circuit relay v2 service with these limits. @default undefined (no relay service) */
  relayServer?: RelayServerInit
  /** Reserve slots on relays (Go `--autorelay`). @default undefined (no reservations) */
  relayClient?: RelayClientInit
  /**
   * Upgrade relayed connections to direct ones: libp2p's DCUtR and our {@link HolePuncher}.
   * @default true
   */
  holePunch?: boolean
  /**
   * Answer other peers' AutoNAT v1 checks (Go `--natservice`). Off by default: js-libp2p's
   * server dials the asking peer back without forcing a new connection, reuses the connection
   * the request came on when the address matches (always, for a peer we dialed or one behind
   * NAT) and closes it, so the two peers lose each other every few seconds.
   * @default false
   */
  autoNatService?: boolean
  /**
   * Run AutoNAT v2 next to v1. Off by default, like Go edgevpn's command line (which replaces
   * the library default that enables it): its server dials peers back on a new connection and
   * closes it, which in js-libp2p also tears down a NATed node's only connection to that peer.
   * @default false
   */
  autoNatV2?: boolean
  /** Map the listen ports on the gateway with UPnP (Go `--natmap`). @default false */
  natPortMap?: boolean
  /**
   * Run the Kademlia DHT (Go `--dht`). Without it, nothing walks the DHT on the node's behalf:
   * js-libp2p's relay discovery would otherwise dial every random peer a walk returns, past the
   * connection budget, until it holds a reservation. @default true
   */
  dht?: boolean
  /** Run the DHT as a client only. @default false (server, also without a public address) */
  dhtClientMode?: boolean
  /** @default '/ipfs/kad/1.0.0' */
  dhtProtocol?: string
  /** Largest gossipsub RPC accepted, the token's `max_message_size`. @default 20 MiB */
  maxMessageSize?: number
  /** Run mDNS discovery. Found peers are dialed by `createMdnsDialer`. @default undefined (off) */
  mdns?: MdnsInit
  /**
   * Abort a connection when its keep-alive ping fails. Off because a saturated data-plane
   * connection misses pings and would be killed. @default false
   */
  abortConnectionOnPingFailure?: boolean
  /**
   * How often each connection is pinged for its round-trip time (the peer table's latency), in
   * ms. Each ping opens a stream both ways, about 20 packets: a cost per connection at rest.
   * @default 300_000
   */
  pingIntervalMs?: number
  /**
   * How often the muxer pings each connection, in ms: what keeps a NAT mapping of an idle
   * connection open (one small frame each way).
   * @default 60_000
   */
  keepAliveIntervalMs?: number
  /** Where the host says what it could not do (no QUIC binary, no mDNS interface). @default an `edgevpn` logger on stderr */
  logger?: Logger
}

export interface MeshHost {
  readonly libp2p: MeshLibp2p
  readonly peerId: PeerId
  /** The parsed bootstrap peers, grouped by peer. */
  readonly bootstrapPeers: PeerInfo[]
  readonly gater: BlacklistGater
  /** The hole puncher, when `holePunch` is on. */
  readonly holePuncher?: HolePuncher
  /** Bytes carried by libp2p streams, by protocol. */
  readonly traffic: TrafficMeter
  stop(): Promise<void>
}

/**
 * Creates and starts the libp2p node of an edgevpn peer: TCP, QUIC and circuit relay transports,
 * noise, yamux, identify, ping, a Kademlia DHT that keeps private addresses (so it works on a LAN
 * or a private bootstrap node), gossipsub (flood publish, usable over relayed connections,
 * bootstrap peers as direct peers), AutoNAT (v2 on request), hole punching (DCUtR and our
 * {@link HolePuncher}), and optionally relay reservations, a relay service, UPnP and mDNS.
 *
 * @throws InvalidHostOptionError when a multiaddr, bootstrap peer or limit is malformed
 * @throws InvalidBlacklistEntryError when a blacklist entry is neither a subnet nor a peer ID
 */
export async function createMeshHost (init: MeshHostInit = {}): Promise<MeshHost> {
  const logger = init.logger ?? createLogger()
  const useQuic = init.quic ?? true
  let listen = (init.listen ?? defaultListenAddresses(useQuic)).map(text => parseMultiaddr(text, 'listen'))
  if (!useQuic) {
    const quicAddress = listen.find(isQuicAddress)
    if (quicAddress != null) throw new InvalidHostOptionError(`listen address ${quicAddress.toString()} needs QUIC, which is disabled`)
  }
  const announce = (init.announce ?? []).map(text => parseMultiaddr(text, 'announce'))
  const staticRelays = parsePeerAddresses(init.relayClient?.staticRelays ?? [], 'static relay')
  // Go looks for relays only when AutoNAT says the node is private; a node listening on a public
  // address is taken as reachable (its attempts would only make relays refuse and drop it)
  const discoverRelays = init.relayClient !== undefined && (init.relayClient.discoverRelays ?? true) && !listen.some(isPublicListenAddress)
  const relayListen = discoverRelays ? [multiaddr('/p2p-circuit')] : []
  const holePunch = init.holePunch ?? true
  const bootstrapPeers = parsePeerAddresses(init.bootstrapPeers ?? [], 'bootstrap peer')
  const maxMessageSize = positiveInteger(init.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE, 'maxMessageSize')
  const maxConnections = positiveInteger(init.connectionLimits?.maxConnections ?? 192, 'maxConnections')
  const gater = createBlacklistGater({ blacklist: init.blacklist })
  const optional = await loadOptionalModules({
    quic: useQuic,
    autoNatV2: init.autoNatV2 === true,
    dcutr: holePunch,
    upnp: init.natPortMap === true,
    dht: init.dht ?? true
  }, logger)
  if (useQuic && optional.quic === undefined) listen = listen.filter(address => !isQuicAddress(address))

  const services: ServiceFactoryMap<MeshServices> = {
    identify: identify(),
    // tells connected peers about protocols registered later (the VPN after a DHCP lease, services),
    // or they keep the list identify gave them and pick an older protocol
    identifyPush: identifyPush(),
    ping: ping(),
    pubsub: gossipsub({
      floodPublish: true,
      allowPublishToZeroTopicPeers: true,
      maxInboundDataLength: maxMessageSize,
      // gossip must flow through relays, like Go edgevpn's patched pubsub
      runOnLimitedConnection: true,
      // Go edgevpn runs gossipsub without peer scoring and with peer exchange. js scoring's
      // defaults would graylist a mesh that reaches us from one address (more than 10 peers
      // behind one NAT, or through one relay) and punish Go routers for promises a rotation broke.
      scoreParams: { IPColocationFactorWeight: 0, behaviourPenaltyWeight: 0 },
      // we send peer exchange on prunes but act on none (every score is 0, below 1): a prune
      // would dial up to 16 more peers past the connection budget
      scoreThresholds: { acceptPXThreshold: 1 },
      doPX: true,
      directPeers: bootstrapPeers.map(peer => ({ id: peer.id, addrs: peer.multiaddrs }))
    }),
    // the client only (see autoNatService)
    autoNAT: autoNAT(init.autoNatService === true ? {} : { maxInboundStreams: 0 })
  }
  if (optional.dht !== undefined) {
    services.dht = optional.dht.kadDHT({
      protocol: init.dhtProtocol ?? DHT_PROTOCOL,
      clientMode: init.dhtClientMode ?? false,
      // the default mapper drops private addresses, which kills a LAN or private-bootstrap DHT
      peerInfoMapper: optional.dht.passthroughMapper
    })
  }
  if (optional.autoNatV2 !== undefined) services.autoNATv2 = optional.autoNatV2.autoNATv2()
  if (optional.dcutr !== undefined) {
    services.dcutr = optional.dcutr.dcutr()
    services.punchDialer = punchDialer()
  }
  if (init.relayClient !== undefined && staticRelays.length > 0) {
    services.relayReservations = relayReservations({ relays: staticRelays.flatMap(relay => relay.multiaddrs), ready: init.relayClient.ready })
  }
  // js-libp2p searches for a UPnP gateway every 5 s while it has found none, one multicast
  // M-SEARCH a second, forever: on a LAN without one, every node hears every other node's
  // searches (at 30 nodes, 15 a second on each link, half its idle traffic). Once at start and
  // then every half hour is enough to find a router that came up later.
  if (optional.upnp !== undefined) services.upnp = optional.upnp.uPnPNAT({ initialGatewaySearchInterval: 30 * 60_000 })
  if (init.relayServer != null) services.relay = relayService(init.relayServer)
  if (init.mdns != null) {
    services.mdns = mdnsService({ ...init.mdns, serviceTag: `${init.mdns.serviceName}.local`, logger: logger.child('discovery.mdns') })
  }

  const traffic = createTrafficMeter()
  const libp2p = await createLibp2p<MeshServices>({
    privateKey: init.privateKey,
    nodeInfo: { userAgent: init.userAgent ?? 'edgevpn' },
    addresses: {
      listen: [...listen, ...relayListen].map(String),
      announce: announce.map(String),
      // identify, the DHT and mDNS all tell peers these addresses
      announceFilter: addresses => addresses.filter(address => !isIp6HostOnly(address))
    },
    transports: [
      tcp(),
      ...(optional.quic === undefined ? [] : [optional.quic.quic()]),
      circuitRelayTransport()
    ],
    connectionEncrypters: [coalescedNoise()],
    streamMuxers: [yamux({ keepAliveInterval: init.keepAliveIntervalMs ?? 60_000 })],
    connectionGater: relayGater(gater, init.relayServer?.allowReservation),
    connectionManager: { maxConnections },
    connectionMonitor: { abortConnectionOnPingFailure: init.abortConnectionOnPingFailure ?? false, pingInterval: init.pingIntervalMs ?? 300_000 },
    services,
    metrics: () => traffic.libp2p,
    start: false
  })
  // before the first connection, so that every gossip stream is kept
  const stopKeepingGossipStreams = keepGossipStreams(libp2p.services.pubsub, {
    getConnections: peer => libp2p.getConnections(peer),
    logger: logger.child('pubsub')
  })

  const holePuncher = holePunch ? new HolePuncher({ libp2p, dialer: libp2p.services.punchDialer as PunchDialer }) : undefined
  try {
    await libp2p.start()
    await holePuncher?.start()
  } catch (err) {
    stopKeepingGossipStreams()
    await libp2p.stop()
    throw err
  }
  return {
    libp2p,
    peerId: libp2p.peerId,
    bootstrapPeers,
    gater,
    holePuncher,
    traffic,
    stop: async () => {
      stopKeepingGossipStreams()
      await holePuncher?.stop()
      await libp2p.stop()
    }
  }
}

interface OptionalModules {
  quic?: typeof import('@chainsafe/libp2p-quic')
  autoNatV2?: typeof import('@libp2p/autonat-v2')
  dcutr?: typeof import('@libp2p/dcutr')
  upnp?: typeof import('@libp2p/upnp-nat')
  dht?: typeof import('@libp2p/kad-dht')
}

/**
 * Imports the libp2p modules of the optional parts that are on, and only those: together they
 * are close to 300 modules (UPnP alone some 90, with an XML parser and an HTTP client; the DHT
 * 0.7 MB of code) that a node would otherwise read and compile at every start, and keep in
 * memory, for nothing.
 */
async function loadOptionalModules (enabled: Record<keyof OptionalModules, boolean>, logger: Logger): Promise<OptionalModules> {
  const [quic, autoNatV2, dcutr, upnp, dht] = await Promise.all([
    enabled.quic ? importQuic(logger) : undefined,
    enabled.autoNatV2 ? import('@libp2p/autonat-v2') : undefined,
    enabled.dcutr ? import('@libp2p/dcutr') : undefined,
    enabled.upnp ? import('@libp2p/upnp-nat') : undefined,
    enabled.dht ? import('@libp2p/kad-dht') : undefined
  ])
  return { quic, autoNatV2, dcutr, upnp, dht }
}

/**
 * QUIC's transport is a native binary per platform (an optional dependency); where it is missing
 * (a platform the lockfile did not carry, an install without optional packages) the node runs on
 * TCP alone instead of not starting.
 */
async function importQuic (logger: Logger): Promise<typeof import('@chainsafe/libp2p-quic') | undefined> {
  try {
    return await import('@chainsafe/libp2p-quic')
  } catch (err) {
    const reason = err instanceof Error ? err.message.split(/\n|\. /)[0] : String(err)
    logger.warn(`QUIC is not available for ${process.platform}-${process.arch} (${reason}); running on TCP only. ` +
      'Reinstall with optional dependencies (npm install --include=optional) to get QUIC back')
    return undefined
  }
}

function isQuicAddress (address: Multiaddr): boolean {
  return address.getComponents().some(c => c.code === CODE_QUIC_V1)
}

/** The blacklist, plus the relay reservation ACL when there is one. */
function relayGater (gater: BlacklistGater, allowReservation?: (peer: PeerId) => boolean): ConnectionGater {
  if (allowReservation === undefined) return gater
  return {
    ...gater,
    denyInboundRelayReservation: async peer => await gater.denyInboundRelayReservation(peer) || !allowReservation(peer)
  }
}

/** A listen address on a public IP, or a wildcard one while the host has a public IP. */
function isPublicListenAddress (address: Multiaddr): boolean {
  const host = address.getComponents().find(c => c.code === CODE_IP4 || c.code === CODE_IP6)?.value
  if (host === undefined) return false
  if (host !== '0.0.0.0' && host !== '::') return isPrivateIp(host) === false
  return Object.values(networkInterfaces()).flat().some(nic => nic !== undefined && !nic.internal && isPrivateIp(nic.address) === false)
}

/**
 * An IPv6 loopback or link-local address: no other host can dial it (a multiaddr carries no zone).
 * With `::1` announced, Go nodes that found ours through the DHT failed to dial it directly for
 * about a minute and went through a relay.
 */
function isIp6HostOnly (address: Multiaddr): boolean {
  const ip6 = address.getComponents().find(c => c.code === CODE_IP6)?.value?.toLowerCase()
  return ip6 !== undefined && (ip6 === '::1' || /^fe[89ab]/.test(ip6))
}

function defaultListenAddresses (useQuic: boolean): string[] {
  const tcp = ['/ip4/0.0.0.0/tcp/0', '/ip6/::/tcp/0']
  return useQuic ? [...tcp, '/ip4/0.0.0.0/udp/0/quic-v1', '/ip6/::/udp/0/quic-v1'] : tcp
}

function relayService (init: RelayServerInit): ReturnType<typeof circuitRelayServer> {
  return circuitRelayServer({
    maxInboundHopStreams: positiveInteger(init.maxCircuits ?? 64, 'maxCircuits'),
    reservations: {
      maxReservations: init.maxReservations ?? 128,
      reservationTtl: init.reservationTtl ?? 3_600_000,
      applyDefaultLimit: true,
      defaultDurationLimit: init.durationLimit ?? 1_800_000,
      defaultDataLimit: init.dataLimit ?? 1n << 30n
    }
  })
}

/**
 * Parses peer multiaddrs (bootstrap or static peers), grouping them by peer. Unlike Go (which
 * crashes on an ID-less bootstrap entry and silently drops invalid ones), every bad entry is an
 * error naming it.
 *
 * @param what - how the entries are called in error messages
 * @throws InvalidHostOptionError when an entry is not a multiaddr ending in `/p2p/<peer id>`
 */
export function parsePeerAddresses (entries: string[], what: string = 'peer'): PeerInfo[] {
  const peers = new Map<string, PeerInfo>()
  for (const entry of entries) {
    const address = parseMultiaddr(entry, what)
    const id = address.getComponents().findLast(component => component.code === CODE_P2P)?.value
    if (id == null) throw new InvalidHostOptionError(`${what} ${entry} has no /p2p/<peer id>`)
    let peerId: PeerId
    try {
      peerId = peerIdFromString(id)
    } catch {
      throw new InvalidHostOptionError(`${what} ${entry} has an invalid peer ID`)
    }
    const known = peers.get(peerId.toString())
    if (known == null) peers.set(peerId.toString(), { id: peerId, multiaddrs: [address] })
    else known.multiaddrs.push(address)
  }
  return [...peers.values()]
}

function parseMultiaddr (text: string, what: string): Multiaddr {
  try {
    return multiaddr(text)
  } catch (err) {
    throw new InvalidHostOptionError(`invalid ${what} multiaddr "${text}": ${err instanceof Error ? err.message : String(err)}`)
  }
}

function positiveInteger (value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value <= 0) throw new InvalidHostOptionError(`${what} must be a positive integer, got ${value}`)
  return value
}
