import { done, waiting } from './role.js'
import { keyName, MASTER_IP_KEY, NODE_TOKEN_KEY, readKey } from './service-keys.js'
import { ownVpnAddress } from './vpn-address.js'
import type { K3sService } from './k3s-service.js'
import type { Role } from './role.js'

/** The port of the k3s API server on the master. */
const K3S_API_PORT = 6443

export interface WorkerRoleInit {
  k3s: K3sService
  /** The VPN interface flannel is to use. */
  flannelInterface: string
  /** Added after the role's own `k3s agent` arguments. */
  extraArgs: string[]
}

/**
 * A k3s node: once the master has published its address and node token, runs
 * `k3s agent --server https://<ip-master>:6443 --token <token-nodetoken>` on this node's VPN
 * address. The command is derived from the ledger on every iteration, so a worker re-joins
 * when the master changes and does nothing when it already runs with the same join data.
 */
export function createWorkerRole (init: WorkerRoleInit): Role {
  return async ({ service, client, stateDir }) => {
    const [masterIp, token] = await Promise.all([readKey(service, MASTER_IP_KEY), readKey(service, NODE_TOKEN_KEY)])
    if (!isPublished(masterIp) || !isPublished(token)) {
      const missing = ([[MASTER_IP_KEY, masterIp], [NODE_TOKEN_KEY, token]] as const).filter(([, value]) => !isPublished(value)).map(([key]) => keyName(key))
      return waiting(`waiting for master join data: ${missing.join(' and ')} not published yet`)
    }

    const address = await ownVpnAddress(client)
    if (address === undefined) return waiting('waiting for this node\'s VPN address in the machines bucket')

    const server = `https://${masterIp}:${K3S_API_PORT}`
    const k3s = await init.k3s.ensure(stateDir, ['agent', '--server', server, '--token', token, '--node-ip', address, '--flannel-iface', init.flannelInterface, ...init.extraArgs])
    return done(`k3s agent ${k3s}, joined to ${server}`)
  }
}

function isPublished (value: string | undefined): value is string {
  return value !== undefined && value !== ''
}
