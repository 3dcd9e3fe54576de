/**
 * Pending address claims: before a node configures an address it announces its intent in the
 * `dhcpClaims` bucket (key: its peer ID), waits for the claims of the others to arrive, and
 * keeps the address only if its claim comes first.
 *
 * Why a bucket of its own and not the `machines` entry: in ownership mode `enforce` a node never
 * sees a competing machines entry for a key it has written itself (local writes always win
 * locally, and a peer's entry for the same key is rejected as an overwrite of a live entry), so
 * two nodes writing the same machines key would each see only their own. Claims are keyed by the
 * claimant, so every node ends up holding every claim and decides the same way. Go edgevpn
 * ignores the bucket (it is open, like `dhcp`).
 */

import { verifyEntry } from '@edgevpn/ledger'
import { JsonNumber, JsonObject, compareUtf8, goStruct, parseJsonTree, structFields } from '@edgevpn/go-compat'
import type { Ledger } from '@edgevpn/ledger'

export const CLAIMS_BUCKET = 'dhcpClaims'

export interface AddressClaim {
  readonly peerId: string
  readonly address: string
  /** When the claimant first claimed the address, in Unix ms (its own clock). */
  readonly since: number
}

/**
 * Claim order, the same on every node that holds both claims: the earlier `since` first, then the
 * lower peer ID (byte order). Clock skew can favour a node, but never makes two nodes disagree.
 */
export function compareClaims (a: AddressClaim, b: AddressClaim): number {
  return a.since !== b.since ? a.since - b.since : compareUtf8(a.peerId, b.peerId)
}

/** Writes (or replaces) our claim. */
export async function putClaim (ledger: Ledger, claim: AddressClaim): Promise<void> {
  await ledger.put(CLAIMS_BUCKET, claim.peerId, goStruct({ Address: claim.address, Since: claim.since }))
}

export async function withdrawClaim (ledger: Ledger, peerId: string): Promise<void> {
  await ledger.delete(CLAIMS_BUCKET, peerId)
}

/**
 * The claims of the peers in `claimants`. The bucket is open, so anyone can write any key: with
 * signed entries, a claim counts only when signed by the peer it is filed under.
 */
export async function readClaims (ledger: Ledger, claimants: ReadonlySet<string>): Promise<AddressClaim[]> {
  const claims: AddressClaim[] = []
  for (const peerId of claimants) {
    const entry = ledger.getEntry(CLAIMS_BUCKET, peerId)
    if (entry === undefined || entry.deleted) continue
    if (ledger.mode !== 'off' && (entry.owner !== peerId || !await verifyEntry(CLAIMS_BUCKET, peerId, entry))) continue
    const claim = parseClaim(peerId, entry.value)
    if (claim !== undefined) claims.push(claim)
  }
  return claims
}

function parseClaim (peerId: string, value: string): AddressClaim | undefined {
  try {
    const node = parseJsonTree(value)
    if (!(node instanceof JsonObject)) return undefined
    const { Address: address, Since: since } = structFields(node, ['Address', 'Since'])
    const sinceMs = since instanceof JsonNumber ? Number(since.literal) : Number.NaN
    if (typeof address !== 'string' || !Number.isSafeInteger(sinceMs)) return undefined
    return { peerId, address, since: sinceMs }
  } catch {
    return undefined
  }
}
