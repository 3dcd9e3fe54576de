import { compareUtf8 } from '@edgevpn/go-compat'
import { PROMETHEUS_CONTENT_TYPE, PrometheusText } from './prometheus.js'
import { textResponse } from './text-response.js'
import type { Ledger } from '@edgevpn/ledger'
import type { NodeView } from './node-view.js'
import type { PrometheusSources } from './prometheus.js'
import type { Router } from './router.js'
import type { ApiTokenAuth } from './token-auth.js'

export interface ObservabilityRoutesComponents {
  ledger: Ledger
  node: NodeView
  prometheus?: PrometheusSources
  /** The API's token check, whose refusals are counted; without it none are. */
  auth?: ApiTokenAuth
}

/**
 * `GET /metrics` (Prometheus text: ledger entries per bucket and height, connected peers by link,
 * requests refused for their API token, and the data-plane, gossip, libp2p and process figures
 * when their sources are given) and
 * `GET /healthz` (200 `ok` while the node is on its ledger topic, 503 otherwise). Not in Go
 * edgevpn.
 */
export function addObservabilityRoutes (router: Router, { ledger, node, prometheus = {}, auth }: ObservabilityRoutesComponents): void {
  router
    .add('GET', '/healthz', () => {
      try {
        node.topicPeers()
        return textResponse(200, 'ok\n')
      } catch (err) {
        return textResponse(503, `not ready: ${(err as Error).message}\n`)
      }
    })
    .add('GET', '/metrics', () => {
      const text = new PrometheusText()
      const buckets = [...ledger.currentData()].sort(([a], [b]) => compareUtf8(a, b))
      text.family('edgevpn_ledger_entries', 'gauge', 'Live entries in the ledger, by bucket.',
        buckets.map(([bucket, entries]) => [{ bucket }, entries.size]))
      text.family('edgevpn_ledger_index', 'gauge', 'Index of the last ledger block.', [[{}, ledger.index()]])
      text.family('edgevpn_ledger_rejected_entries_total', 'counter', 'Received ledger entries refused by ownership or the per-owner limit, by reason.',
        [...ledger.rejections()].map(([reason, count]) => [{ reason }, count]))
      const peers = node.peers().filter(peer => peer.connected)
      text.family('edgevpn_peers_connected', 'gauge', 'Peers with an open connection, by link.', (['direct', 'relayed'] as const)
        .map(link => [{ link }, peers.filter(peer => peer.link === link).length]))
      text.family('edgevpn_api_refused_requests_total', 'counter', 'API requests refused with a 401 for a missing or wrong token.',
        [[{}, auth?.refusedRequests ?? 0]])
      const vpn = prometheus.dataPlane?.()
      if (vpn !== undefined) {
        text
          .family('edgevpn_vpn_packets_total', 'counter', 'IP packets carried by the VPN, by direction.',
            [[{ direction: 'in' }, vpn.packetsIn], [{ direction: 'out' }, vpn.packetsOut]])
          .family('edgevpn_vpn_bytes_total', 'counter', 'IP packet bytes carried by the VPN, by direction.',
            [[{ direction: 'in' }, vpn.bytesIn], [{ direction: 'out' }, vpn.bytesOut]])
          .family('edgevpn_vpn_dropped_packets_total', 'counter', 'Packets the VPN did not deliver, by reason.',
            Object.entries(vpn.drops).map(([reason, count]) => [{ reason }, count]))
          .family('edgevpn_vpn_refused_streams_total', 'counter', 'Inbound VPN streams reset because the peer is not a member.',
            [[{}, vpn.refusedStreams]])
          .family('edgevpn_vpn_rejected_fast_sockets_total', 'counter', 'Fast-channel sockets closed for a missing or invalid hello or a broken record.',
            [[{}, vpn.rejectedFastSockets]])
      }
      if (prometheus.gossip !== undefined) {
        const gossip = prometheus.gossip()
        text
          .family('edgevpn_gossip_messages_total', 'counter', 'Ledger gossip messages, by outcome.', [
            [{ outcome: 'received' }, gossip.received], [{ outcome: 'delivered' }, gossip.delivered],
            [{ outcome: 'published' }, gossip.published], [{ outcome: 'publish_failed' }, gossip.publishFailed]
          ])
          .family('edgevpn_gossip_dropped_messages_total', 'counter', 'Received ledger gossip messages dropped, by reason.',
            Object.entries(gossip.dropped).map(([reason, count]) => [{ reason }, count]))
      }
      if (prometheus.libp2p !== undefined) {
        const { connections, streams, streamBytes, mdnsBytes } = prometheus.libp2p()
        text
          .family('edgevpn_libp2p_connections', 'gauge', 'Open libp2p connections.', [[{}, connections]])
          .family('edgevpn_libp2p_streams', 'gauge', 'Open libp2p streams, by protocol.',
            [...streams].sort(([a], [b]) => compareUtf8(a, b)).map(([protocol, count]) => [{ protocol }, count]))
        if (streamBytes !== undefined) {
          text.family('edgevpn_libp2p_stream_bytes_total', 'counter', 'Bytes carried by libp2p streams (inside the connection\'s encryption and muxing), by protocol and direction.',
            [...streamBytes].sort(([a], [b]) => compareUtf8(a, b)).flatMap(([protocol, count]) => [
              [{ protocol, direction: 'in' }, count.bytesIn], [{ protocol, direction: 'out' }, count.bytesOut]
            ] as const))
        }
        if (mdnsBytes !== undefined) {
          text.family('edgevpn_mdns_bytes_total', 'counter', 'mDNS datagram bytes, by direction (in: every datagram read on the mDNS sockets).',
            [[{ direction: 'in' }, mdnsBytes.bytesIn], [{ direction: 'out' }, mdnsBytes.bytesOut]])
        }
      }
      if (prometheus.runtime !== undefined) {
        const runtime = prometheus.runtime()
        // The names of the Prometheus client libraries' default process and Node.js metrics.
        text
          .family('process_resident_memory_bytes', 'gauge', 'Resident memory size in bytes.', [[{}, runtime.residentBytes]])
          .family('nodejs_heap_size_used_bytes', 'gauge', 'V8 heap in use, in bytes.', [[{}, runtime.heapUsedBytes]])
          .family('nodejs_heap_size_total_bytes', 'gauge', 'V8 heap reserved, in bytes.', [[{}, runtime.heapTotalBytes]])
          .family('nodejs_external_memory_bytes', 'gauge', 'Memory of C++ objects bound to JavaScript objects, in bytes.', [[{}, runtime.externalBytes]])
        if (runtime.openFds !== undefined) text.family('process_open_fds', 'gauge', 'Open file descriptors.', [[{}, runtime.openFds]])
      }
      return textResponse(200, text.toString(), PROMETHEUS_CONTENT_TYPE)
    })
}
