import { checkInterfaceName, parseCidr, TunError } from '@edgevpn/tun'
import { canonicalIpText, ipFamily } from '@edgevpn/go-compat'
import { parseStaticPeerTable } from './static-peer-table.js'
import { VpnConfigError } from './vpn-config-error.js'
import type { WireProtocolChoice } from './outbound-dispatcher.js'

/** What carries the fast channels' packets (see {@link VpnServiceInit.fastEngine}). */
export type FastEngine = 'native' | 'js'

/** Options of {@link createVpnService}, named after Go edgevpn's flags. */
export interface VpnServiceInit {
  /** Go `--interface`: name of the TUN device. @default 'edgevpn0' */
  interfaceName?: string
  /**
   * Go `--address`: the interface address as CIDR, IPv4 or IPv6. Its IP is this node's machines
   * key, and its subnet is blocked for libp2p so that the mesh never runs through itself.
   *
   * @default '10.1.0.1/24'
   */
  address?: string
  /** An additional IPv6 address (CIDR) of the interface, announced like `address`. @default undefined */
  ipv6?: string
  /** Go `--mtu`: the interface MTU. @default 1200 */
  mtu?: number
  /**
   * Go `--packet-mtu`: the largest packet read from the interface; at least `mtu`. Longer
   * packets are dropped by the device (never truncated). @default 1420
   */
  packetMtu?: number
  /**
   * `--tun-offload`: open the interface with IFF_VNET_HDR and TCP segmentation offload, so the
   * kernel hands over (and takes) 64 KiB TCP super-packets. They travel whole to peers speaking
   * `/edgevpn-ts/vpn/1.1.0` and are segmented in software for the others. Ignored (off) with
   * `wireProtocol: 'go'`. `packetMtu` does not apply when on. @default true
   */
  offload?: boolean
  /**
   * `--vpn-fast`: between nodes of this port on a direct connection, carry offload units over a
   * plain TCP socket with AES-256-GCM records whose keys are agreed over libp2p
   * (`/edgevpn-ts/vpn-fast/1.0.0`), instead of TCP + noise + yamux. The libp2p streams remain the
   * fallback. Needs `offload`. @default true
   */
  fast?: boolean
  /** `--vpn-fast-port`: TCP port of the fast data channel, 0 for any free port. @default 0 */
  fastPort?: number
  /**
   * `--vpn-fast-engine`: what carries the fast channels' packets. `native`: two threads of the TUN
   * addon read and write the device and the sockets, off the JS thread (and its garbage
   * collector); `js`: the main thread, as every other path. Same wire format. @default 'native'
   */
  fastEngine?: FastEngine
  /** Go `--timeout`: how long opening a stream to a peer may take, in ms. @default 15000 */
  timeout?: number
  /**
   * Go `--router`: the VPN IP of the peer that receives our packets to destinations without a
   * machines entry. @default undefined
   */
  router?: string
  /**
   * Go `--static-peertable`: `ip:peerid` entries. When given, they alone decide routing and who
   * may send us packets; the ledger is not consulted. @default [] (route by the ledger)
   */
  staticPeerTable?: readonly string[]
  /** Go `--ledger-announce-interval` in ms: the longest wait between machine announces. @default 10000 */
  announceInterval?: number
  /** The machine entry's `Version`. @default '' */
  version?: string
  /**
   * `go` makes this node behave like Go edgevpn on the wire: it neither offers nor uses the
   * framed protocol. @default 'auto'
   */
  wireProtocol?: WireProtocolChoice
  /** Kernel queue of the interface towards this process (see `TunInit.txQueueLen`). @default 1000 */
  txQueueLen?: number
  /** Packets read from the interface per batch. @default 64 */
  maxBatch?: number
  /** Per-peer framed send queue limit in packets. @default 256 */
  maxQueuedPackets?: number
  /** Per-peer framed send queue limit in bytes. @default 524288 */
  maxQueuedBytes?: number
  /**
   * A peer's data streams and fast socket close after this long without traffic either way, in
   * ms, and open again with its next packet. @default 300000
   */
  idleTimeoutMs?: number
}

/** A validated {@link VpnServiceInit} with its defaults applied. */
export interface ResolvedVpnInit {
  interfaceName: string
  /** Interface addresses as CIDR, the first one being `address`. */
  cidrs: string[]
  /** The IPs of `cidrs` in Go's text form (the machines keys). */
  addresses: string[]
  ipv4Cidr?: string
  ipv6Cidr?: string
  mtu: number
  packetMtu: number
  offload: boolean
  fast: boolean
  fastPort: number
  fastEngine: FastEngine
  timeout: number
  router?: string
  staticPeerTable?: ReadonlyMap<string, string>
  announceInterval: number
  version: string
  wireProtocol: WireProtocolChoice
  txQueueLen: number
  maxBatch: number
  maxQueuedPackets: number
  maxQueuedBytes: number
  idleTimeoutMs: number
}

/**
 * Applies the defaults of {@link VpnServiceInit} and checks every option before anything is
 * created.
 *
 * @throws VpnConfigError naming the bad option
 */
export function resolveVpnInit (init: VpnServiceInit = {}): ResolvedVpnInit {
  const mtu = positiveInteger('mtu', init.mtu ?? 1200)
  const packetMtu = positiveInteger('packet-mtu', init.packetMtu ?? 1420)
  if (packetMtu < mtu) {
    throw new VpnConfigError(`--packet-mtu ${packetMtu} is below --mtu ${mtu}: packets of the interface MTU could not be read whole`)
  }
  const address = interfaceCidr('address', init.address ?? '10.1.0.1/24')
  const extra = init.ipv6 === undefined ? undefined : interfaceCidr('ipv6', init.ipv6, 6)
  if (extra !== undefined && address.family === 6) throw new VpnConfigError('--address is already IPv6; give the extra IPv6 address only with an IPv4 --address')
  const cidrs = [address, ...(extra === undefined ? [] : [extra])]

  let router: string | undefined
  if (init.router !== undefined && init.router !== '') {
    router = canonicalIpText(init.router)
    if (router === undefined) throw new VpnConfigError(`--router "${init.router}" is not an IP address`)
  }
  const staticEntries = init.staticPeerTable ?? []
  const wireProtocol = init.wireProtocol ?? 'auto'
  const offload = (init.offload ?? true) && wireProtocol === 'auto'
  const fastPort = init.fastPort ?? 0
  if (!Number.isInteger(fastPort) || fastPort < 0 || fastPort > 65535) throw new VpnConfigError(`--vpn-fast-port must be a port number (0 for any), got ${fastPort}`)
  const fastEngine = init.fastEngine ?? 'native'
  if (fastEngine !== 'native' && fastEngine !== 'js') throw new VpnConfigError(`--vpn-fast-engine must be "native" or "js", got "${String(fastEngine)}"`)
  if (wireProtocol !== 'auto' && wireProtocol !== 'go') throw new VpnConfigError(`wire protocol must be "auto" or "go", got "${String(wireProtocol)}"`)

  return {
    interfaceName: asFlagError('interface', () => checkInterfaceName(init.interfaceName ?? 'edgevpn0')),
    cidrs: cidrs.map(cidr => cidr.cidr),
    addresses: cidrs.map(cidr => cidr.ip),
    ipv4Cidr: cidrs.find(cidr => cidr.family === 4)?.cidr,
    ipv6Cidr: cidrs.find(cidr => cidr.family === 6)?.cidr,
    mtu,
    packetMtu,
    offload,
    fast: (init.fast ?? true) && offload,
    fastPort,
    fastEngine,
    timeout: positiveInteger('timeout', init.timeout ?? 15_000),
    router,
    staticPeerTable: staticEntries.length > 0 ? parseStaticPeerTable(staticEntries) : undefined,
    announceInterval: positiveInteger('ledger-announce-interval', init.announceInterval ?? 10_000),
    version: init.version ?? '',
    wireProtocol,
    txQueueLen: positiveInteger('txQueueLen', init.txQueueLen ?? 1000),
    maxBatch: positiveInteger('maxBatch', init.maxBatch ?? 64),
    maxQueuedPackets: positiveInteger('maxQueuedPackets', init.maxQueuedPackets ?? 256),
    maxQueuedBytes: positiveInteger('maxQueuedBytes', init.maxQueuedBytes ?? 512 * 1024),
    idleTimeoutMs: positiveInteger('idleTimeoutMs', init.idleTimeoutMs ?? 300_000)
  }
}

interface InterfaceCidr {
  cidr: string
  ip: string
  family: 4 | 6
}

function interfaceCidr (option: string, cidr: string, only?: 4 | 6): InterfaceCidr {
  const family = ipFamily(cidr.slice(0, cidr.lastIndexOf('/')))
  if (family === undefined || (only !== undefined && family !== only)) {
    throw new VpnConfigError(`--${option} "${cidr}" is not an ${only === 6 ? 'IPv6' : 'IP'} address with a prefix length, like ${only === 6 ? 'fd00::1/64' : '10.1.0.1/24'}`)
  }
  const parsed = asFlagError(option, () => parseCidr(cidr, family))
  return { cidr, ip: canonicalIpText(parsed.address) as string, family }
}

/** `check()`'s result; a TunError it throws (the TUN package's own check) becomes one naming `--option`. */
function asFlagError<T> (option: string, check: () => T): T {
  try {
    return check()
  } catch (err) {
    if (err instanceof TunError) throw new VpnConfigError(`--${option}: ${err.message}`)
    throw err
  }
}

function positiveInteger (option: string, value: number): number {
  if (!Number.isSafeInteger(value) || value <= 0) throw new VpnConfigError(`--${option} must be a positive integer, got ${value}`)
  return value
}
