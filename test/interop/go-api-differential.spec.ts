/**
 * The same API requests, good and bad, against Go edgevpn's `edgevpn api` and ours, each a lone node
 * in its own namespace on one token: the status codes, the content types and the shape of every JSON
 * body (keys and value types; exact values where they do not depend on the node) must match.
 */
import { createNetnsLab } from '@edgevpn/testbed/lab'
import { LabDaemon, labApiRequest, labHome, waitFor } from '@edgevpn/testbed/lab/tools'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GO_EDGEVPN, goPeerUnavailableReason, goToken } from './lib/go-peer.js'
import type { NetnsLab } from '@edgevpn/testbed/lab'
import type { ApiResponse } from '@edgevpn/testbed/lab/tools'

/** Keys and value types of a JSON body (arrays by their first element), or the text's kind. */
function shape (text: string): unknown {
  let value: unknown
  try { value = JSON.parse(text) } catch { return text.trim() === '' ? 'empty' : 'text' }
  const of = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.length === 0 ? [] : [of(v[0])]
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map(key => [key, of((v as Record<string, unknown>)[key])]))
    return v === null ? 'null' : typeof v
  }
  return of(value)
}

/**
 * Where ours answers otherwise on purpose (docs/compatibility.md): both answers, status and media
 * type, so that a change on either side shows.
 */
interface KnownDifference { go: { status: number, type: string }, ours: { status: number, type: string } }
/** Go v0.35.3 routes every unmatched path to its UI catch-all (`GET /*`); ours answers like Echo. */
const UNMATCHED_GET: KnownDifference = { go: { status: 404, type: 'text/plain' }, ours: { status: 404, type: 'application/json' } }
const UNMATCHED_PUT: KnownDifference = { go: { status: 405, type: 'application/json' }, ours: { status: 404, type: 'application/json' } }

/** The requests, in order (some change the state the later ones read); `exact` compares bodies too. */
const REQUESTS: Array<{ method: string, path: string, body?: string, exact?: boolean, settle?: boolean, differs?: KnownDifference }> = [
  { method: 'GET', path: '/api/summary' },
  { method: 'GET', path: '/api/ledger/nosuch', exact: true },
  { method: 'GET', path: '/api/ledger/nosuch/key', exact: true },
  { method: 'PUT', path: '/api/ledger/diff/key/value', settle: true },
  { method: 'GET', path: '/api/ledger/diff/key', exact: true },
  { method: 'GET', path: '/api/ledger/diff', exact: true },
  { method: 'PUT', path: '/api/ledger/diff/json/%7B%22a%22:1%7D', settle: true },
  { method: 'GET', path: '/api/ledger/diff/json', exact: true },
  { method: 'DELETE', path: '/api/ledger/diff/key', settle: true },
  { method: 'GET', path: '/api/ledger/diff', exact: true },
  { method: 'POST', path: '/api/dns', body: JSON.stringify({ Regex: 'web\\.diff\\.', Records: { A: '10.1.0.9' } }), settle: true },
  { method: 'GET', path: '/api/dns', exact: true },
  { method: 'POST', path: '/api/dns', body: '{not json' },
  { method: 'GET', path: '/api/machines' },
  { method: 'GET', path: '/api/users' },
  { method: 'GET', path: '/api/services', exact: true },
  { method: 'GET', path: '/api/files', exact: true },
  { method: 'GET', path: '/api/nodes' },
  { method: 'GET', path: '/api/peerstore' },
  { method: 'GET', path: '/api/blockchain' },
  { method: 'GET', path: '/api/ledger' },
  { method: 'GET', path: '/api/metrics' },
  { method: 'GET', path: '/api/metrics/peer' },
  { method: 'GET', path: '/api/metrics/peer/12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA' },
  { method: 'GET', path: '/api/metrics/protocol/%2Fedgevpn%2F0.1' },
  { method: 'GET', path: '/api/peergate', differs: UNMATCHED_GET },
  { method: 'PUT', path: '/api/peergate/enable', differs: UNMATCHED_PUT },
  { method: 'GET', path: '/' },
  { method: 'GET', path: '/app/../api/nosuch', differs: UNMATCHED_GET },
  { method: 'GET', path: '/api/nosuch', differs: UNMATCHED_GET },
  { method: 'DELETE', path: '/api/ledger/diff', settle: true },
  { method: 'GET', path: '/api/ledger/diff', exact: true }
]

describe.skipIf(goPeerUnavailableReason() !== undefined)('the HTTP API of Go edgevpn and ours, request by request', () => {
  let lab: NetnsLab
  const daemons: LabDaemon[] = []
  const answers = new Map<string, ApiResponse[]>()

  beforeAll(async () => {
    const token = goToken()
    lab = await createNetnsLab({ prefix: 'evtga', hosts: 2, subnet: '10.254.99' })
    const flags = ['api', '--listen', '127.0.0.1:8080', '--mdns=false', '--dht=false', '--log-level', 'info']
    for (const [i, kind] of (['go', 'ours'] as const).entries()) {
      const host = lab.hosts[i]
      daemons.push(new LabDaemon(lab, host, {
        name: `${kind}-api`,
        env: { EDGEVPNTOKEN: token, HOME: labHome(host) },
        ...(kind === 'go' ? { command: [GO_EDGEVPN, ...flags] } : { args: flags })
      }))
      await waitFor(`${kind}'s API`, async () => (await labApiRequest(lab, host, 'GET', '/api/summary').catch(() => undefined))?.status === 200 ? true : undefined, 30_000)
      const exchanges: ApiResponse[] = []
      for (const { method, path, body, settle } of REQUESTS) {
        exchanges.push(await labApiRequest(lab, host, method, path, body))
        // Writes reach the ledger through announce loops whose second tick comes 2.5 to 7.5 s on; Go's
        // PUT loop, still running at a later DELETE, can write the key back, so each loop ends first
        // (Go's delete takes longest).
        if (settle === true) await new Promise(resolve => setTimeout(resolve, method === 'DELETE' ? 12_000 : 8_000))
      }
      answers.set(kind, exchanges)
    }
  }, 240_000)

  afterAll(async () => {
    await Promise.all(daemons.map(async daemon => { await daemon.stop() }))
    await lab?.destroy()
  })

  it.for(REQUESTS.map((r, index) => [index, `${r.method} ${r.path}${r.body === undefined ? '' : ` ${r.body}`}`] as const))('#%i %s', ([index]) => {
    const go = answers.get('go')?.[index] as ApiResponse
    const ours = answers.get('ours')?.[index] as ApiResponse
    const { differs } = REQUESTS[index]
    if (differs !== undefined) {
      expect({ go: { status: go.status, type: go.type }, ours: { status: ours.status, type: ours.type } }).toEqual(differs)
      return
    }
    expect({ status: ours.status, type: ours.type }).toEqual({ status: go.status, type: go.type })
    if (REQUESTS[index].exact === true) expect(ours.body.trim()).toBe(go.body.trim())
    else expect(shape(ours.body)).toEqual(shape(go.body))
  })
})
