/**
 * @packageDocumentation
 *
 * The Kairos role agent. Kairos-style role coordination over an edgevpn node's HTTP API: a role node (Go's
 * `service.Node`) that advertises itself in a service bucket and applies roles, and the k3s
 * role set Kairos forms clusters with (`auto` leader election and scheduling, `master`,
 * `worker`). Roles are level-triggered and idempotent: every iteration recomputes what the
 * ledger asks for, re-applying an applied role does nothing, and a role that cannot progress
 * says what it is waiting for.
 *
 * @example
 *
 * ```ts
 * import { createApiClient } from '@edgevpn/api-client'
 * import { createK3sRoles, createRoleNode, loadOrCreateNodeUuid } from '@edgevpn/kairos-agent'
 *
 * const stateDir = '/var/lib/edgevpn/roles'
 * const node = createRoleNode({
 *   client: createApiClient({ host: 'unix:///run/edgevpn-kairos.sock' }),
 *   uuid: await loadOrCreateNodeUuid(stateDir),
 *   stateDir,
 *   roles: createK3sRoles({ k3sBinary: '/usr/local/bin/k3s' }),
 *   persistentRoles: ['auto']
 * })
 * node.start()
 * ```
 *
 * The same loop runs from the command line as `edgevpn-role-agent` (or `edgevpn role-agent`);
 * its flags are `@edgevpn/kairos-agent/cli`.
 */

export { createRoleNode, ASSIGNMENT } from './role-node.js'
export type { RoleNode, RoleNodeInit, RoleNodeStatus, RoleReport } from './role-node.js'
export { done, waiting, parseRoleList } from './role.js'
export type { Role, RoleContext, RoleOutcome, RoleRegistry, ClusterView } from './role.js'
export { createAutoRole } from './auto-role.js'
export type { AutoRoleInit } from './auto-role.js'
export { planRoles, MASTER_ROLE, WORKER_ROLE } from './role-plan.js'
export type { RolePlan } from './role-plan.js'
export { createK3sRoles, AUTO_ROLE } from './k3s-roles.js'
export type { K3sRolesInit } from './k3s-roles.js'
export { createMasterRole } from './master-role.js'
export type { MasterRoleInit } from './master-role.js'
export { createWorkerRole } from './worker-role.js'
export type { WorkerRoleInit } from './worker-role.js'
export { createK3sService } from './k3s-service.js'
export type { K3sService, K3sServiceInit, K3sState } from './k3s-service.js'
export { loadOrCreateNodeUuid } from './node-uuid.js'
export { ownVpnAddress } from './vpn-address.js'
export { LEADER_KEY, MASTER_IP_KEY, NODE_TOKEN_KEY, KUBECONFIG_KEY, roleKey, readKey, publishKey, writeKey, keyName } from './service-keys.js'
export type { ServiceKey } from './service-keys.js'
export { K3sStartError, RoleConfigError } from './errors.js'
