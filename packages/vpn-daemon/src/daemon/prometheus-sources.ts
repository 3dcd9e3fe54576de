/** The daemon's counters behind the API's `GET /metrics`: the VPN's and the ledger gossip's. */
import type { PrometheusSources } from '../api/index.js'
import type { EdgeNode } from '../node/edge-node.js'
import type { VpnService } from '../vpn/index.js'

export function prometheusSources (node: EdgeNode, vpn?: VpnService): PrometheusSources {
  return {
    dataPlane: vpn === undefined
      ? undefined
      : () => {
          const { totals, drops, refusedStreams } = vpn.stats()
          return { ...totals, drops, refusedStreams }
        },
    gossip: () => node.sync.ledgerHub.stats
  }
}
