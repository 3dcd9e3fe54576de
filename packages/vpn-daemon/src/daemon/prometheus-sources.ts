/** The daemon's figures behind the API's `GET /metrics`: VPN, ledger gossip, libp2p and process. */
import { readdirSync } from 'node:fs'
import type { Libp2pStats, PrometheusSources, RuntimeStats } from '../api/index.js'
import type { EdgeNode } from '../node/edge-node.js'
import type { VpnService } from '@edgevpn/vpn'

/** `vpn` gives the VPN once it is up (the API starts before it, as Go's does). */
export function prometheusSources (node: EdgeNode, vpn?: () => VpnService | undefined): PrometheusSources {
  return {
    dataPlane: vpn === undefined
      ? undefined
      : () => {
          const stats = vpn()?.stats()
          if (stats === undefined) return undefined
          const { totals, drops, refusedStreams, rejectedFastSockets } = stats
          return { ...totals, drops, refusedStreams, rejectedFastSockets }
        },
    gossip: () => node.sync.ledgerHub.stats,
    libp2p: () => libp2pStats(node),
    runtime: runtimeStats
  }
}

function libp2pStats (node: EdgeNode): Libp2pStats {
  const connections = node.host.libp2p.getConnections()
  const streams = new Map<string, number>()
  for (const connection of connections) {
    for (const stream of connection.streams) {
      const protocol = stream.protocol === undefined || stream.protocol === '' ? 'unknown' : stream.protocol
      streams.set(protocol, (streams.get(protocol) ?? 0) + 1)
    }
  }
  const mdns = node.host.libp2p.services.mdns
  return { connections: connections.length, streams, streamBytes: node.host.traffic.byProtocol(), mdnsBytes: mdns?.traffic }
}

function runtimeStats (): RuntimeStats {
  const memory = process.memoryUsage()
  return {
    residentBytes: memory.rss,
    heapUsedBytes: memory.heapUsed,
    heapTotalBytes: memory.heapTotal,
    externalBytes: memory.external,
    openFds: openFds()
  }
}

/** Entries of `/proc/self/fd` less the one the listing itself opened. */
function openFds (): number | undefined {
  try {
    return readdirSync('/proc/self/fd').length - 1
  } catch {
    return undefined
  }
}
