import { BUCKETS } from '@edgevpn/ledger'
import { compareUtf8 } from '@edgevpn/go-compat'
import type { Ledger } from '@edgevpn/ledger'

/**
 * Go's egress choice: a uniformly random key of the `egress` bucket among the peers with a
 * heartbeat younger than `deadIntervalMs` (`--dead-interval`), or `undefined` when there is none.
 *
 * @param random - a number in [0, 1), e.g. `Math.random`
 */
export function pickEgress (ledger: Ledger, deadIntervalMs: number, random: () => number = Math.random): string | undefined {
  const egress = ledger.currentData().get(BUCKETS.egress)
  if (egress === undefined) return undefined
  const alive = new Set(ledger.availableNodes(deadIntervalMs))
  const candidates = [...egress.keys()].filter(peer => alive.has(peer)).sort(compareUtf8)
  return candidates.length === 0 ? undefined : candidates[Math.floor(random() * candidates.length)]
}
