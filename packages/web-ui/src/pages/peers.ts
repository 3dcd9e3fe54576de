import { getJson } from '../api.js'
import { dataTable, h } from '../dom.js'
import { formatBytes, formatLatency, peerIdText } from '../format.js'
import { liveRegion } from '../live.js'
import { REFRESH_MS } from '../page.js'
import { loadHostnames } from './hostnames.js'
import type { PeerEntry } from '../api.js'
import type { Page } from '../page.js'

export const peersPage: Page = {
  path: 'peers',
  title: 'Peers',
  render (main, signal) {
    const region = h('section')
    main.append(region)
    const load = async (s: AbortSignal): Promise<[PeerEntry[], Map<string, string>]> =>
      await Promise.all([getJson<PeerEntry[]>('/api/peers', s), loadHostnames(s)])
    liveRegion(region, signal, REFRESH_MS, load, ([peers, hostnames]) =>
      dataTable('Peers in the peer table', [
        { header: 'Peer', cell: p => h('span', {}, hostnames.get(p.id) ?? '', ' ', peerIdText(p.id)) },
        { header: 'Path', cell: p => h('span', { class: `link link-${p.link}` }, p.link === 'none' ? 'not connected' : p.path) },
        { header: 'Latency', cell: p => formatLatency(p.latencyMs), numeric: true },
        { header: 'Received', cell: p => formatBytes(p.bytesIn), numeric: true },
        { header: 'Sent', cell: p => formatBytes(p.bytesOut), numeric: true },
        { header: 'Remote address', cell: p => p.remoteAddr === undefined ? '–' : h('code', {}, p.remoteAddr) },
        { header: 'Found via', cell: p => p.discoveredVia },
        { header: 'Last error', cell: p => p.lastError ?? '' }
      ], peers, {
        empty: 'No peers known yet.',
        rowAttributes: p => ({ 'data-peer': p.id, 'data-link': p.link })
      }))
  }
}
