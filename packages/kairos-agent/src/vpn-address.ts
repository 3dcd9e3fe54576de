import type { ApiClient } from '@edgevpn/api-client'

/**
 * This node's VPN address, from its own entry in the `machines` bucket (the API's `NodeID`
 * and `/api/machines`), IPv4 first; `undefined` until the node has announced one.
 */
export async function ownVpnAddress (client: ApiClient): Promise<string | undefined> {
  const [summary, machines] = await Promise.all([client.summary(), client.machines()])
  const own = machines.filter(machine => machine.PeerID === summary.NodeID).map(machine => machine.Address)
  return own.find(address => !address.includes(':')) ?? own[0]
}
