import { encodeBlock } from '@edgevpn/ledger'
import type { Ledger } from '@edgevpn/ledger'
import type { LedgerWriter } from './ledger-writer.js'
import type { Router } from './router.js'
import { ANNOUNCING, ok } from './json-response.js'

export interface LedgerRoutesComponents {
  ledger: Ledger
  writer: LedgerWriter
}

/**
 * The raw ledger: `/api/blockchain` (the last block) and `/api/ledger/...`, whose GETs return
 * each stored Value text as a JSON string (so the values are encoded twice), `null` for a
 * missing bucket and `""` for a missing key.
 */
export function addLedgerRoutes (router: Router, { ledger, writer }: LedgerRoutesComponents): void {
  router
    .add('GET', '/api/blockchain', () => ({ status: 200, json: encodeBlock(ledger.lastBlock()) }))
    .add('GET', '/api/ledger', () => ok(ledger.currentData()))
    .add('GET', '/api/ledger/:bucket', ({ params }) => ok(ledger.currentData().get(params.bucket) ?? null))
    .add('GET', '/api/ledger/:bucket/:key', ({ params }) => ok(ledger.getRaw(params.bucket, params.key) ?? ''))
    .add('PUT', '/api/ledger/:bucket/:key/:value', ({ params }) => {
      writer.persist(params.bucket, params.key, params.value)
      return ANNOUNCING
    })
    .add('DELETE', '/api/ledger/:bucket', ({ params }) => {
      writer.announceDelete(params.bucket)
      return ANNOUNCING
    })
    .add('DELETE', '/api/ledger/:bucket/:key', ({ params }) => {
      writer.announceDelete(params.bucket, params.key)
      return ANNOUNCING
    })
}
