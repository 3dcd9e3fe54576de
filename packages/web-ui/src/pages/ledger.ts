import { getJson } from '../api.js'
import { dataTable, h } from '../dom.js'
import { formatLedgerValue } from '../format.js'
import { liveRegion } from '../live.js'
import type { LedgerSnapshot } from '../api.js'
import type { Page } from '../page.js'

/** The ledger browser polls faster than other pages, to show writes as they land. */
const LEDGER_REFRESH_MS = 2000

interface Entry {
  bucket: string
  key: string
  value: string
  /** New or different since the previous poll. */
  changed: boolean
}

export const ledgerPage: Page = {
  path: 'ledger',
  title: 'Ledger',
  render (main, signal) {
    const filter = h('input', { id: 'ledger-filter', type: 'search', autocomplete: 'off' })
    const changes = h('p', { class: 'changes', role: 'status' })
    const region = h('section', { 'aria-label': 'Ledger contents' })
    main.append(
      h('p', { class: 'hint' }, `Refreshes every ${LEDGER_REFRESH_MS / 1000} s; new and changed entries are highlighted.`),
      h('div', { class: 'field' }, h('label', { for: 'ledger-filter' }, 'Filter buckets and keys'), filter),
      changes, region)

    let previous: Map<string, string> | undefined
    const show = (entries: Entry[]): Node => {
      const needle = filter.value.trim().toLowerCase()
      const visible = entries.filter(e => needle === '' || e.bucket.toLowerCase().includes(needle) || e.key.toLowerCase().includes(needle))
      const buckets = [...new Set(visible.map(e => e.bucket))]
      if (buckets.length === 0) return h('p', { class: 'empty' }, entries.length === 0 ? 'The ledger is empty.' : 'No entry matches the filter.')
      return h('div', {}, ...buckets.map(bucket => dataTable(`Bucket ${bucket}`, [
        { header: 'Key', cell: e => h('code', {}, e.key) },
        { header: 'Value', cell: e => h('code', { class: 'value' }, formatLedgerValue(e.value)) },
        { header: 'Change', cell: e => e.changed ? h('span', { class: 'badge badge-on' }, 'changed') : '' }
      ], visible.filter(e => e.bucket === bucket), {
        rowAttributes: e => ({ class: e.changed ? 'changed' : undefined, 'data-bucket': e.bucket, 'data-key': e.key })
      })))
    }

    const load = async (s: AbortSignal): Promise<Entry[]> => {
      const snapshot = await getJson<LedgerSnapshot>('/api/ledger', s)
      const current = flatten(snapshot)
      const entries = [...current].map(([id, value]) => {
        const [bucket, key] = JSON.parse(id) as [string, string]
        return { bucket, key, value, changed: previous !== undefined && previous.get(id) !== value }
      }).sort((a, b) => a.bucket.localeCompare(b.bucket) || a.key.localeCompare(b.key))
      if (previous !== undefined) {
        const removed = [...previous.keys()].filter(id => !current.has(id)).length
        const changed = entries.filter(e => e.changed).length
        if (changed + removed > 0) changes.textContent = `${changed} new or changed, ${removed} removed at ${new Date().toLocaleTimeString()}.`
      }
      previous = current
      return entries
    }
    const live = liveRegion(region, signal, LEDGER_REFRESH_MS, load, show)
    filter.addEventListener('input', () => { live.redraw() })
  }
}

/** Every entry of a snapshot, keyed by `JSON.stringify([bucket, key])`. */
function flatten (snapshot: LedgerSnapshot): Map<string, string> {
  const entries = new Map<string, string>()
  for (const [bucket, keys] of Object.entries(snapshot)) {
    for (const [key, value] of Object.entries(keys)) entries.set(JSON.stringify([bucket, key]), value)
  }
  return entries
}
