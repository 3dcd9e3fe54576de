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
  let last = channel.counters
  return follow(counters, () => {
    const now = channel.counters
    counters.sent(traffic, now.packets - last.packets, now.bytes - last.bytes)
    counters.drop('queue-full', now.queueFullDrops - last.queueFullDrops)
    counters.drop('queue-delay', now.queueDelayDrops - last.queueDelayDrops)
    last = now
  })
}

/** As {@link followSendCounters}, for a receive channel. */
export function followReceiveCounters (counters: VpnCounters, traffic: PeerTraffic, channel: FastReceiveChannel): () => void {
  let last = channel.counters
  return follow(counters, () => {
    const now = channel.counters
    counters.received(traffic, now.packets - last.packets, now.bytes - last.bytes)
    counters.drop('inbound-malformed', now.malformedDrops - last.malformedDrops)
    counters.drop('spoofed-source', now.spoofedDrops - last.spoofedDrops)
    counters.drop('tun-full', now.tunFullDrops - last.tunFullDrops)
    last = now
  })
}

function follow (counters: VpnCounters, collect: () => void): () => void {
  const unregister = counters.addCollector(collect)
  return () => {
    collect()
    unregister()
  }
}
