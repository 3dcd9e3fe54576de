import { peerIdFromString } from '@libp2p/peer-id'
import { goStruct } from '@edgevpn/go-compat'
import type { Metrics, Stats } from './metrics.js'
import type { Router } from './router.js'
import { HttpError } from './errors.js'
import { ok } from './json-response.js'
import { ZERO_STATS } from './metrics.js'
import type { ApiResponse } from './json-response.js'

/**
 * `/api/metrics`: bandwidth totals, by protocol and by peer. Unlike Go, which casts the
 * `:peer` text to a raw peer ID and so always answers zeros, `/api/metrics/peer/:peer` looks up
 * the base58 ID; an ID that does not parse is a 400.
 */
export function addMetricsRoutes (router: Router, metrics: Metrics): void {
  router
    .add('GET', '/api/metrics', () => stats(metrics.totals()))
    .add('GET', '/api/metrics/protocol', () => statsMap(metrics.byProtocol()))
    .add('GET', '/api/metrics/protocol/:protocol', ({ params }) => stats(metrics.byProtocol().get(params.protocol)))
    .add('GET', '/api/metrics/peer', () => statsMap(metrics.byPeer()))
    .add('GET', '/api/metrics/peer/:peer', ({ params }) => {
      let peer: string
      try {
        peer = peerIdFromString(params.peer).toString()
      } catch {
        throw new HttpError(400, `invalid peer ID "${params.peer}"`)
      }
      return stats(metrics.byPeer().get(peer))
    })
}

function stats (value: Stats = ZERO_STATS): ApiResponse {
  return ok(statsStruct(value))
}

function statsMap (byKey: ReadonlyMap<string, Stats>): ApiResponse {
  return ok(new Map([...byKey].map(([key, value]) => [key, statsStruct(value)])))
}

function statsStruct ({ TotalIn, TotalOut, RateIn, RateOut }: Stats): unknown {
  return goStruct({ TotalIn, TotalOut, RateIn, RateOut })
}
