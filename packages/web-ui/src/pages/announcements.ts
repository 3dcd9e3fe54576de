import { getJson } from '../api.js'
import { dataTable, h } from '../dom.js'
import { peerIdText } from '../format.js'
import { liveRegion } from '../live.js'
import { REFRESH_MS } from '../page.js'
import { loadHostnames } from './hostnames.js'
import type { Announcement } from '../api.js'
import type { Page } from '../page.js'

/** A page listing the services or the files that peers announce on the ledger. */
function announcementPage (path: 'services' | 'files', title: string, noun: string): Page {
  return {
    path,
    title,
    render (main, signal) {
      const region = h('section')
      main.append(region)
      const load = async (s: AbortSignal): Promise<[Announcement[], Map<string, string>]> =>
        await Promise.all([getJson<Announcement[]>(`/api/${path}`, s), loadHostnames(s)])
      liveRegion(region, signal, REFRESH_MS, load, ([items, hostnames]) =>
        dataTable(`${title} announced on the ledger`, [
          { header: 'Name', cell: item => item.Name },
          { header: 'Offered by', cell: item => h('span', {}, hostnames.get(item.PeerID) ?? '', ' ', peerIdText(item.PeerID)) }
        ], items, { empty: `No ${noun} announced.` }))
    }
  }
}

export const servicesPage = announcementPage('services', 'Services', 'services')
export const filesPage = announcementPage('files', 'Files', 'files')
