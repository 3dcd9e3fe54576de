/**
 * The daemon's implementations of what the HTTP API reads: the node and its peers, the DNS
 * records, and the VPN's byte counters.
 */
import { BUCKETS } from '@edgevpn/ledger'
import { dnsRecordValue, listDnsRecords } from '@edgevpn/dns'
import { GO_VPN_PROTOCOL, FRAMED_VPN_PROTOCOL, OFFLOAD_VPN_PROTOCOL } from '@edgevpn/vpn'
import type { DnsRecords, LedgerWriter, Metrics, NodeView, Stats } from '../api/index.js'
import type { PeerTraffic, VpnService } from '@edgevpn/vpn'
import type { EdgeNode } from '../node/edge-node.js'

/** The node as the API sees it; once `vpn` gives the VPN, each peer also shows the bytes exchanged with it. */
export function nodeView (node: EdgeNode, vpn?: () => VpnService | undefined): NodeView {
  const { libp2p } = node.host
  return {
    peerId: node.host.peerId.toString(),
    topicPeers: () => {
      if (node.sync.ledgerHub.topic === undefined) throw new Error('the ledger topic is not joined yet')
      return node.sync.ledgerHub.topicPeers().map(String)
    },
    connectedPeers: () => libp2p.getPeers().map(String),
    peerstorePeers: async () => {
      const ids = new Set((await libp2p.peerStore.all()).map(peer => peer.id.toString()))
      ids.add(libp2p.peerId.toString())
      return [...ids]
    },
    peers: () => {
      const traffic = vpn?.()?.stats().peers ?? {}
      return node.peers.list().map(peer => ({ ...peer, bytesIn: traffic[peer.id]?.bytesIn, bytesOut: traffic[peer.id]?.bytesOut }))
    }
  }
}

export function dnsRecords (node: EdgeNode, writer: LedgerWriter): DnsRecords {
  return {
    list: () => listDnsRecords(node.ledger).map(({ Regex, Records }) => ({ Regex, Records: new Map(Object.entries(Records)) })),
    put: (regex, records) => { writer.persist(BUCKETS.dns, regex, dnsRecordValue(Object.fromEntries(records))) }
  }
}

/**
 * Bytes the VPN moved, by peer and by protocol (rates are not tracked: reported as 0); all zero
 * while `vpn` gives no VPN yet.
 */
export function vpnMetrics (vpn: () => VpnService | undefined): Metrics {
  const stats = (bytesIn: number, bytesOut: number): Stats => ({ TotalIn: bytesIn, TotalOut: bytesOut, RateIn: 0, RateOut: 0 })
  const peers = (): Record<string, PeerTraffic> => vpn()?.stats().peers ?? {}
  return {
    totals: () => {
      const totals = vpn()?.stats().totals
      return stats(totals?.bytesIn ?? 0, totals?.bytesOut ?? 0)
    },
    byPeer: () => new Map(Object.entries(peers()).map(([peer, t]) => [peer, stats(t.bytesIn, t.bytesOut)])),
    byProtocol: () => {
      const byProtocol = new Map<string, Stats>([GO_VPN_PROTOCOL, FRAMED_VPN_PROTOCOL, OFFLOAD_VPN_PROTOCOL].map(protocol => [protocol, stats(0, 0)]))
      for (const traffic of Object.values(peers())) {
        const protocol = traffic.protocol ?? FRAMED_VPN_PROTOCOL
        const sum = byProtocol.get(protocol) ?? stats(0, 0)
        byProtocol.set(protocol, stats(sum.TotalIn + traffic.bytesIn, sum.TotalOut + traffic.bytesOut))
      }
      return byProtocol
    }
  }
}
