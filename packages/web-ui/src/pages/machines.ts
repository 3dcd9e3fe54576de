import { getJson } from '../api.js'
import { badge, dataTable, h } from '../dom.js'
import { peerIdText } from '../format.js'
import { liveRegion } from '../live.js'
import { REFRESH_MS } from '../page.js'
import type { MachineStatus } from '../api.js'
import type { Page } from '../page.js'

export const machinesPage: Page = {
  path: 'machines',
  title: 'Machines',
  render (main, signal) {
    const region = h('section')
    main.append(region)
    liveRegion(region, signal, REFRESH_MS, async s => await getJson<MachineStatus[]>('/api/machines', s), machines =>
      dataTable('Machines announced on the ledger', [
        { header: 'Host name', cell: m => m.Hostname },
        { header: 'VPN address', cell: m => h('code', {}, m.Address) },
        { header: 'Peer ID', cell: m => peerIdText(m.PeerID) },
        { header: 'System', cell: m => `${m.OS}/${m.Arch}` },
        { header: 'Version', cell: m => m.Version },
        { header: 'Online', cell: m => badge(m.Online, 'online', 'offline') },
        { header: 'On ledger topic', cell: m => badge(m.OnChain, 'yes', 'no') }
      ], [...machines].sort((a, b) => a.Hostname.localeCompare(b.Hostname)), {
        empty: 'No machine has announced itself yet.',
        rowAttributes: m => ({ 'data-peer': m.PeerID })
      }))
  }
}
