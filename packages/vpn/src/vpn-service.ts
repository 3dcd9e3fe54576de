import { openTun } from '@edgevpn/tun'
import { FastListener } from './fast-listener.js'
import { FastPathTables } from './fast-path-tables.js'
import { FRAMED_PACKETS, OFFLOAD_FRAMES } from './framing.js'
import { InboundGate } from './inbound-gate.js'
import { InboundStreams } from './inbound-streams.js'
import { MachineAnnouncer } from './machine-announce.js'
import { MachineDirectory } from './machine-directory.js'
import { OutboundDispatcher } from './outbound-dispatcher.js'
import { IP_PACKETS } from './packet-splitter.js'
import { FAST_VPN_PROTOCOL, FRAMED_VPN_PROTOCOL, GO_VPN_PROTOCOL, OFFLOAD_VPN_PROTOCOL } from './protocols.js'
import { VPN_STREAM_OPTIONS } from './relayed-links.js'
import { Router } from './router.js'
import { createSourceGuard } from './source-guard.js'
import { resolveVpnInit } from './vpn-init.js'
import { VpnCounters } from './vpn-stats.js'
import type { NativeFastChannels } from './fast-path-tables.js'
import type { VpnServiceInit } from './vpn-init.js'
import type { VpnStats } from './vpn-stats.js'
import type { Ledger } from '@edgevpn/ledger'
import type { Logger, MeshHost } from '@edgevpn/mesh-core'
import type { TunDevice } from '@edgevpn/tun'

export interface VpnServiceComponents {
  /** The node's libp2p host; its gater gets the VPN subnet blocked. */
  host: Pick<MeshHost, 'libp2p' | 'gater'>
  /** The mesh ledger: machines (routing and admission), healthcheck (owner liveness). */
  ledger: Ledger
  logger: Logger
}

export interface VpnService {
  /** The TUN device's name. */
  readonly interfaceName: string
  /** Our VPN IPs (machines keys). */
  readonly addresses: readonly string[]
  /** A snapshot of the traffic and drop counters. */
  stats(): VpnStats
  /** Stops announcing and reading, resets the data-plane streams and removes the interface. */
  stop(): Promise<void>
}

/**
 * Packets whose stream is still being opened: Go peers use a few workers, so a few hundred
 * concurrent one-packet streams is plenty and bounds what one peer can make us hold.
 */
const GO_MAX_INBOUND_STREAMS = 256

/**
 * Starts the VPN data plane (Go edgevpn's VPN service, spec §7): creates and configures the TUN
 * device, blocks the VPN subnet in the connection gater, serves `/edgevpn/0.1` (Go),
 * `/edgevpn-ts/vpn/1.0.0` (framed) and, with offload, `/edgevpn-ts/vpn/1.1.0`, routes every
 * packet read from the device to the peer that owns its destination, and announces our machine
 * entry.
 *
 * @throws VpnConfigError when an option is malformed
 * @throws TunError when the device cannot be created (e.g. no CAP_NET_ADMIN)
 */
export async function createVpnService (components: VpnServiceComponents, init: VpnServiceInit = {}): Promise<VpnService> {
  const config = resolveVpnInit(init)
  const { host, ledger } = components
  const { libp2p } = host
  const logger = components.logger
  const self = libp2p.peerId.toString()

  const tun: TunDevice = openTun({
    name: config.interfaceName,
    mtu: config.mtu,
    address: config.ipv4Cidr,
    ipv6: config.ipv6Cidr,
    // with offload the device reads up to a 64 KiB super-packet and its virtio header
    maxPacket: config.offload ? undefined : config.packetMtu,
    vnetHdr: config.offload,
    txQueueLen: config.txQueueLen,
    maxBatch: config.maxBatch
  })
  for (const cidr of config.cidrs) host.gater.blockSubnet(cidr)

  const counters = new VpnCounters()
  const machines = new MachineDirectory(ledger)
  const router = new Router({ ledger, machines }, {
    self, localAddresses: config.addresses, router: config.router, staticPeerTable: config.staticPeerTable
  })
  const sourceGuard = createSourceGuard({ machines }, { staticPeerTable: config.staticPeerTable, router: config.router })
  const gate = new InboundGate(machines, config.staticPeerTable)
  const inbound = new InboundStreams({ gate, sourceGuard, counters, sink: tun, logger }, {
    sinkVnetHeader: config.offload
  })
  let native: NativeFastChannels | undefined
  if (config.fast && config.fastEngine === 'native') {
    const fastPath = tun.startFastPath({ maxBulkBytes: config.maxQueuedBytes })
    const tables = new FastPathTables({ fastPath, router, machines, ledger }, { staticPeerTable: config.staticPeerTable, router: config.router })
    native = { fastPath, tables }
  }
  const fastListener = config.fast ? new FastListener({ gate, inbound, counters, logger, native }, { port: config.fastPort }) : undefined
  const outbound = new OutboundDispatcher({ libp2p, router, counters, logger, native }, {
    wireProtocol: config.wireProtocol,
    timeout: config.timeout,
    maxBatch: config.maxBatch,
    vnetHeader: config.offload,
    maxQueuedPackets: config.maxQueuedPackets,
    maxQueuedBytes: config.maxQueuedBytes,
    fast: config.fast,
    idleTimeoutMs: config.idleTimeoutMs
  })
  const announcer = new MachineAnnouncer({ ledger, peerId: self, logger }, {
    addresses: config.addresses, interval: config.announceInterval, version: config.version
  })

  const protocols = [GO_VPN_PROTOCOL]
  const teardown = async (): Promise<void> => {
    tun.pause()
    await announcer.stop()
    await libp2p.unhandle(protocols)
    outbound.close()
    inbound.close()
    await fastListener?.close()
    native?.tables.close()
    sourceGuard.close()
    router.close()
    machines.close()
    tun.close()
  }
  try {
    await libp2p.handle(GO_VPN_PROTOCOL, inbound.handler(IP_PACKETS), {
      ...VPN_STREAM_OPTIONS, maxInboundStreams: GO_MAX_INBOUND_STREAMS, maxOutboundStreams: GO_MAX_INBOUND_STREAMS
    })
    if (config.wireProtocol === 'auto') {
      protocols.push(FRAMED_VPN_PROTOCOL)
      await libp2p.handle(FRAMED_VPN_PROTOCOL, inbound.handler(FRAMED_PACKETS), VPN_STREAM_OPTIONS)
    }
    if (config.offload) {
      protocols.push(OFFLOAD_VPN_PROTOCOL)
      await libp2p.handle(OFFLOAD_VPN_PROTOCOL, inbound.handler(OFFLOAD_FRAMES, 'offload'), VPN_STREAM_OPTIONS)
    }
    if (fastListener !== undefined) {
      await fastListener.start()
      protocols.push(FAST_VPN_PROTOCOL)
      await libp2p.handle(FAST_VPN_PROTOCOL, fastListener.handler())
    }
  } catch (err) {
    await teardown()
    throw err
  }

  tun.onError(error => { logger.error('the VPN interface failed, no more packets are read from it', { error }) })
  tun.onPackets(batch => {
    try {
      outbound.dispatch(batch)
    } catch (err) {
      // a bug must not take the node down with an uncaught exception from the read loop
      logger.error('routing a batch of packets failed', { error: err })
    }
  })
  announcer.start()
  logger.info('VPN started', { interface: tun.name, addresses: config.cidrs, mtu: config.mtu, offload: config.offload, protocols })

  let stopped: Promise<void> | undefined
  return {
    interfaceName: tun.name,
    addresses: config.addresses,
    stats: () => counters.snapshot(),
    stop: async () => {
      stopped ??= teardown()
      await stopped
    }
  }
}
