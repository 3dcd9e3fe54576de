import { getJson, postJson } from '../api.js'
import { dataTable, h } from '../dom.js'
import { liveRegion } from '../live.js'
import { REFRESH_MS } from '../page.js'
import type { DnsEntry } from '../api.js'
import type { Page } from '../page.js'

const RECORD_TYPES = ['A', 'AAAA', 'CNAME', 'TXT']

export const dnsPage: Page = {
  path: 'dns',
  title: 'DNS records',
  render (main, signal) {
    const region = h('section')
    main.append(region, addRecordForm())
    liveRegion(region, signal, REFRESH_MS, async s => await getJson<DnsEntry[]>('/api/dns', s), records =>
      dataTable('DNS records on the ledger', [
        { header: 'Name pattern', cell: r => h('code', {}, r.Regex) },
        { header: 'Records', cell: r => Object.entries(r.Records).map(([type, value]) => `${type} ${value}`).join(', ') }
      ], [...records].sort((a, b) => a.Regex.localeCompare(b.Regex)), {
        empty: 'No DNS records.',
        rowAttributes: r => ({ 'data-regex': r.Regex })
      }))
  }
}

/** Announces a record through `POST /api/dns`; it shows up in the table once the ledger has it. */
function addRecordForm (): HTMLElement {
  const regex = h('input', { id: 'dns-regex', name: 'regex', required: true, autocomplete: 'off', placeholder: 'web\\.mesh\\.' })
  const type = h('select', { id: 'dns-type', name: 'type' }, ...RECORD_TYPES.map(t => h('option', { value: t }, t)))
  const value = h('input', { id: 'dns-value', name: 'value', required: true, autocomplete: 'off', placeholder: '10.1.0.9' })
  const result = h('p', { role: 'status', class: 'form-result' })
  const form = h('form', { class: 'inline-form', 'aria-labelledby': 'dns-form-title' },
    h('h2', { id: 'dns-form-title' }, 'Add a record'),
    h('div', { class: 'field' }, h('label', { for: 'dns-regex' }, 'Name pattern (regular expression)'), regex),
    h('div', { class: 'field' }, h('label', { for: 'dns-type' }, 'Type'), type),
    h('div', { class: 'field' }, h('label', { for: 'dns-value' }, 'Value'), value),
    h('button', { type: 'submit' }, 'Announce record'),
    result)
  form.addEventListener('submit', event => {
    event.preventDefault()
    result.textContent = 'Announcing…'
    postJson('/api/dns', { Regex: regex.value, Records: { [type.value]: value.value } })
      .then(() => { result.textContent = `Announced ${regex.value}; it appears above once the ledger has it.` })
      .catch((err: unknown) => { result.textContent = `Not announced: ${(err as Error).message}` })
  })
  return form
}
