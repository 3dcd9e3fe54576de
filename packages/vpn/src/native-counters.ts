/**
 * Folds the totals the native fast path keeps per channel into {@link VpnCounters}, so the API
 * shows fast-channel traffic and drops like any other.
 */
import type { PeerTraffic, VpnCounters } from './vpn-stats.js'
import type { FastReceiveChannel, FastSendChannel } from '@edgevpn/tun'

/**
 * Follows a channel's counters until the returned function is called (which folds them in one
 * last time).
 */
export function followSendCounters (counters: VpnCounters, traffic: PeerTraffic, channel: FastSendChannel): () => void {
  return followGrowth(counters, () => channel.counters, grown => {
    counters.sent(traffic, grown.packets, grown.bytes)
    counters.drop('queue-full', grown.queueFullDrops)
    counters.drop('queue-delay', grown.queueDelayDrops)
  })
}

/** As {@link followSendCounters}, for a receive channel. */
export function followReceiveCounters (counters: VpnCounters, traffic: PeerTraffic, channel: FastReceiveChannel): () => void {
  return followGrowth(counters, () => channel.counters, grown => {
    counters.received(traffic, grown.packets, grown.bytes)
    counters.drop('inbound-malformed', grown.malformedDrops)
    counters.drop('spoofed-source', grown.spoofedDrops)
    counters.drop('tun-full', grown.tunFullDrops)
  })
}

/** Hands `fold` how much each total of `read()` grew since the last time, before every snapshot. */
function followGrowth<Totals extends { [Name in keyof Totals]: number }> (counters: VpnCounters, read: () => Totals, fold: (grown: Totals) => void): () => void {
  let last = read()
  const collect = (): void => {
    const now = read()
    const grown = { ...now }
    for (const name of Object.keys(now) as Array<keyof Totals>) grown[name] = (now[name] - last[name]) as Totals[keyof Totals]
    fold(grown)
    last = now
  }
  const unregister = counters.addCollector(collect)
  return () => {
    collect()
    unregister()
  }
}
