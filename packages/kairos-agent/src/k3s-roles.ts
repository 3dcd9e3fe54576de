import { createAutoRole } from './auto-role.js'
import { createK3sService } from './k3s-service.js'
import { createMasterRole } from './master-role.js'
import { MASTER_ROLE, WORKER_ROLE } from './role-plan.js'
import { createWorkerRole } from './worker-role.js'
import type { RoleRegistry } from './role.js'

export const AUTO_ROLE = 'auto'

export interface K3sRolesInit {
  /**
   * The k3s executable: a path or a name on `PATH` (tests use a stand-in script).
   *
   * @default 'k3s'
   */
  k3sBinary?: string
  /**
   * Extra arguments of `k3s server`.
   *
   * @default []
   */
  serverArgs?: string[]
  /**
   * Extra arguments of `k3s agent`.
   *
   * @default []
   */
  agentArgs?: string[]
  /** @default '/var/lib/rancher/k3s/server/node-token' */
  nodeTokenFile?: string
  /** @default '/etc/rancher/k3s/k3s.yaml' */
  kubeconfigFile?: string
  /**
   * The VPN interface flannel is to use.
   *
   * @default 'edgevpn0'
   */
  flannelInterface?: string
  /**
   * Advertizing nodes needed before a leader is elected.
   *
   * @default 2
   */
  minNodes?: number
  /**
   * How long a started k3s must keep running, or take to exit 0, to count as started, in ms.
   *
   * @default 3000
   */
  startGraceMs?: number
  /**
   * Environment of the k3s processes.
   *
   * @default process.env
   */
  env?: NodeJS.ProcessEnv
}

/**
 * The roles Kairos runs over edgevpn to form a k3s cluster: `auto` (leader election and
 * scheduling; apply it as a persistent role), `master` and `worker`.
 *
 * @example
 *
 * ```ts
 * const node = createRoleNode({ client, uuid, stateDir, roles: createK3sRoles({ k3sBinary: '/usr/local/bin/k3s' }), persistentRoles: ['auto'] })
 * ```
 */
export function createK3sRoles (init: K3sRolesInit = {}): RoleRegistry {
  const k3s = createK3sService({ binary: init.k3sBinary ?? 'k3s', startGraceMs: init.startGraceMs, env: init.env })
  const flannelInterface = init.flannelInterface ?? 'edgevpn0'
  return {
    [AUTO_ROLE]: createAutoRole({ minNodes: init.minNodes }),
    [MASTER_ROLE]: createMasterRole({
      k3s,
      nodeTokenFile: init.nodeTokenFile ?? '/var/lib/rancher/k3s/server/node-token',
      kubeconfigFile: init.kubeconfigFile ?? '/etc/rancher/k3s/k3s.yaml',
      flannelInterface,
      extraArgs: init.serverArgs ?? []
    }),
    [WORKER_ROLE]: createWorkerRole({ k3s, flannelInterface, extraArgs: init.agentArgs ?? [] })
  }
}
