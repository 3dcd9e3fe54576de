import { KeyNotFoundError } from '@edgevpn/api-client'
import type { ServiceClient } from '@edgevpn/api-client'

/**
 * A key of the service bucket in the `(thing, uuid)` form of `ServiceClient.set`, stored as
 * `<uuid>-<thing>`.
 */
export interface ServiceKey {
  thing: string
  uuid: string
}

/** `leader-auto`: the UUID of the node that schedules roles. */
export const LEADER_KEY: ServiceKey = { thing: 'auto', uuid: 'leader' }
/** `ip-master`: the master's VPN address, where workers join. */
export const MASTER_IP_KEY: ServiceKey = { thing: 'master', uuid: 'ip' }
/** `token-nodetoken`: the k3s node token workers join with. */
export const NODE_TOKEN_KEY: ServiceKey = { thing: 'nodetoken', uuid: 'token' }
/** `master-kubeconfig`: the master's kubeconfig, base64url without padding. */
export const KUBECONFIG_KEY: ServiceKey = { thing: 'kubeconfig', uuid: 'master' }

/** `<uuid>-role`: the roles assigned to a node, comma-separated. */
export function roleKey (uuid: string): ServiceKey {
  return { thing: 'role', uuid }
}

/** The value under `key`, or `undefined` when it has none. */
export async function readKey (service: ServiceClient, key: ServiceKey): Promise<string | undefined> {
  try {
    return await service.get(key.thing, key.uuid)
  } catch (err) {
    if (err instanceof KeyNotFoundError) return undefined
    throw err
  }
}

/**
 * Writes `value` unless the key already holds it, so that re-publishing on every iteration
 * costs a read and no ledger block.
 *
 * @returns whether a write was sent
 */
export async function publishKey (service: ServiceClient, key: ServiceKey, value: string): Promise<boolean> {
  if (await readKey(service, key) === value) return false
  await writeKey(service, key, value)
  return true
}

export async function writeKey (service: ServiceClient, key: ServiceKey, value: string): Promise<void> {
  await service.set(key.thing, key.uuid, value)
}

/** The key as it appears in the bucket, for messages. */
export function keyName (key: ServiceKey): string {
  return `${key.uuid}-${key.thing}`
}
