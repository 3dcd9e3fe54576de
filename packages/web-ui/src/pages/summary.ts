import { getJson } from '../api.js'
import { h } from '../dom.js'
import { liveRegion } from '../live.js'
import { REFRESH_MS } from '../page.js'
import type { Summary } from '../api.js'
import type { Page } from '../page.js'

const FIGURES: Array<[keyof Summary, string]> = [
  ['Machines', 'Machines'],
  ['Peers', 'Peers known'],
  ['OnChainNodes', 'Nodes on the ledger topic'],
  ['Services', 'Services'],
  ['Files', 'Files'],
  ['Users', 'Users'],
  ['BlockChain', 'Ledger height']
]

export const summaryPage: Page = {
  path: '',
  title: 'Summary',
  render (main, signal) {
    const region = h('section', { 'aria-label': 'Network summary' })
    main.append(region)
    liveRegion(region, signal, REFRESH_MS, async s => await getJson<Summary>('/api/summary', s), summary =>
      h('div', {},
        h('p', { class: 'node-id' }, 'This node: ', h('code', {}, summary.NodeID)),
        h('dl', { class: 'tiles' }, ...FIGURES.map(([field, label]) =>
          h('div', { class: 'tile', 'data-field': field }, h('dt', {}, label), h('dd', {}, summary[field]))))))
  }
}
