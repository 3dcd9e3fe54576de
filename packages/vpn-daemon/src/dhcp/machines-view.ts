/** What the `machines` bucket says about addresses in use, read the way Go's DHCP reads it. */

import { BUCKETS } from '@edgevpn/ledger'
import { JsonObject, parseJsonTree, structFields } from '@edgevpn/go-compat'
import type { Ledger } from '@edgevpn/ledger'

export interface MachinesView {
  /** Each entry's `Address` field in bucket order: Go's `usedIPs`, the input of `NextIP`. */
  readonly usedAddresses: string[]
  /** Address (entry key or `Address` field) → the PeerID of the entry naming it. */
  readonly holders: ReadonlyMap<string, string>
  /** Peers that have a machines entry (Go's `PeerID → Address` map). */
  readonly peersWithAddress: ReadonlySet<string>
}

export function machinesView (ledger: Ledger): MachinesView {
  const usedAddresses: string[] = []
  const holders = new Map<string, string>()
  const peersWithAddress = new Set<string>()
  for (const [key, value] of ledger.currentData().get(BUCKETS.machines) ?? []) {
    const { PeerID: peerId, Address: address } = machineFields(value)
    usedAddresses.push(address)
    holders.set(key, peerId)
    if (address !== '') holders.set(address, peerId)
    peersWithAddress.add(peerId)
  }
  return { usedAddresses, holders, peersWithAddress }
}

/** `PeerID` and `Address` as Go's decoder fills `types.Machine` (`''` when missing or not a string). */
function machineFields (value: string): { PeerID: string, Address: string } {
  try {
    const node = parseJsonTree(value)
    if (node instanceof JsonObject) {
      const fields = structFields(node, ['PeerID', 'Address'])
      return {
        PeerID: typeof fields.PeerID === 'string' ? fields.PeerID : '',
        Address: typeof fields.Address === 'string' ? fields.Address : ''
      }
    }
  } catch {}
  return { PeerID: '', Address: '' }
}
