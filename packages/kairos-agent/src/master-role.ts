import { readFile } from 'node:fs/promises'
import { done, waiting } from './role.js'
import { keyName, KUBECONFIG_KEY, MASTER_IP_KEY, NODE_TOKEN_KEY, publishKey } from './service-keys.js'
import { ownVpnAddress } from './vpn-address.js'
import type { K3sService } from './k3s-service.js'
import type { Role } from './role.js'

export interface MasterRoleInit {
  k3s: K3sService
  /** Where k3s writes the node token workers join with. */
  nodeTokenFile: string
  /** Where k3s writes the cluster's kubeconfig. */
  kubeconfigFile: string
  /** The VPN interface flannel is to use. */
  flannelInterface: string
  /** Added after the role's own `k3s server` arguments. */
  extraArgs: string[]
}

/**
 * The k3s control plane: runs `k3s server` bound to this node's VPN address, then publishes
 * what workers need to join (`ip-master`, `token-nodetoken`) and the kubeconfig
 * (`master-kubeconfig`, base64url without padding, as Kairos stores it). Every iteration
 * checks k3s and re-publishes what differs, so a lost write is repaired.
 */
export function createMasterRole (init: MasterRoleInit): Role {
  return async ({ service, client, stateDir }) => {
    const address = await ownVpnAddress(client)
    if (address === undefined) return waiting('waiting for this node\'s VPN address in the machines bucket')

    const k3s = await init.k3s.ensure(stateDir, ['server', '--node-ip', address, '--flannel-iface', init.flannelInterface, ...init.extraArgs])
    await publishKey(service, MASTER_IP_KEY, address)

    const token = await readOptionalFile(init.nodeTokenFile)
    if (token === undefined) return waiting(`k3s server ${k3s}; waiting for its node token at ${init.nodeTokenFile}`)
    await publishKey(service, NODE_TOKEN_KEY, token.toString('utf8').trimEnd())

    const kubeconfig = await readOptionalFile(init.kubeconfigFile)
    if (kubeconfig === undefined) return waiting(`k3s server ${k3s}; join data published; waiting for its kubeconfig at ${init.kubeconfigFile}`)
    await publishKey(service, KUBECONFIG_KEY, kubeconfig.toString('base64url'))

    return done(`k3s server ${k3s} at ${address}; ${keyName(MASTER_IP_KEY)}, ${keyName(NODE_TOKEN_KEY)} and ${keyName(KUBECONFIG_KEY)} published`)
  }
}

async function readOptionalFile (path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
}
