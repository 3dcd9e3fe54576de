/**
 * One sync session between two ledgers over a pair of libp2p streams (in memory): what the
 * ENTRIES_GZIP capability saves, and that a peer without it still gets plain ENTRIES.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { streamPair } from '@libp2p/utils'
import { describe, expect, it } from 'vitest'
import { generateNetworkConfig } from '@edgevpn/mesh-core'
import { Ledger, LEDGER_SYNC_PROTOCOL, ledgerSummary, requestSync, respondSync, SealKeyring, SyncProtocolError } from '../src/index.js'
import type { SyncSessionInit } from '../src/index.js'

const keyring = new SealKeyring({ network: generateNetworkConfig() })

function sessionInit (gzipEntries: boolean, maxSessionBytes = 16 << 20): SyncSessionInit {
  return { keyring, maxFrameBytes: 1 << 20, maxSessionBytes, signal: AbortSignal.timeout(10_000), gzipEntries }
}

/** A ledger holding 100 heartbeat-like entries, each under its own key. */
async function heartbeats (): Promise<Ledger> {
  const ledger = new Ledger({ mode: 'enforce', signer: await generateKeyPair('Ed25519') })
  for (let i = 0; i < 100; i++) await ledger.put('beats', `node-${i}`, `2026-12-08T04:${String(i % 60).padStart(2, '0')}:00Z`)
  return ledger
}

/** A first pull (no cursor) by an empty ledger from `responder`; the session's sealed bytes. */
async function firstPull (responder: Ledger, requesterGzip: boolean, responderGzip: boolean): Promise<{ requester: Ledger, bytes: number }> {
  const requester = new Ledger({ mode: 'enforce', signer: await generateKeyPair('Ed25519') })
  const [outbound, inbound] = await streamPair({ protocol: LEDGER_SYNC_PROTOCOL })
  const [pulled] = await Promise.all([
    requestSync(outbound, requester, sessionInit(requesterGzip)),
    respondSync(inbound, responder, sessionInit(responderGzip))
  ])
  return { requester, bytes: pulled.bytes ?? 0 }
}

describe('ledger sync sessions', () => {
  it('gzip the entries when both sides take it, and send them plain to a side that does not', async () => {
    const responder = await heartbeats()
    const both = await firstPull(responder, true, true)
    const plainToOld = await firstPull(responder, false, true)
    const plainFromOld = await firstPull(responder, true, false)
    for (const { requester } of [both, plainToOld, plainFromOld]) expect(ledgerSummary(requester)).toBe(ledgerSummary(responder))
    console.log(`a first pull of 100 heartbeats: ${both.bytes} bytes gzipped, ${plainToOld.bytes} plain`)
    expect(plainFromOld.bytes).toBe(plainToOld.bytes)
    expect(both.bytes).toBeLessThan(plainToOld.bytes * 0.7)
  })

  it('stops a session whose gzipped entries inflate past what it may read', async () => {
    const responder = await heartbeats()
    const requester = new Ledger({ mode: 'enforce', signer: await generateKeyPair('Ed25519') })
    const [outbound, inbound] = await streamPair({ protocol: LEDGER_SYNC_PROTOCOL })
    // about 8 kB arrive gzipped, which inflate to about 29 kB
    const pulled = requestSync(outbound, requester, sessionInit(true, 16_000))
    void respondSync(inbound, responder, sessionInit(true)).catch(() => {})
    await expect(pulled).rejects.toThrow(SyncProtocolError)
    await expect(pulled).rejects.toThrow(/does not inflate within/)
    expect(ledgerSummary(requester)).not.toBe(ledgerSummary(responder))
  })
})
