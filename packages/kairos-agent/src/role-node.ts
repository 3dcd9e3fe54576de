import { createLogger } from '@edgevpn/mesh-core'
import { createServiceClient } from '@edgevpn/api-client'
import { parseRoleList } from './role.js'
import { LEADER_KEY, publishKey, readKey, roleKey } from './service-keys.js'
import type { ClusterView, RoleContext, RoleOutcome, RoleRegistry } from './role.js'
import type { ApiClient } from '@edgevpn/api-client'
import type { Logger } from '@edgevpn/mesh-core'

export interface RoleNodeInit {
  /** The node's edgevpn API. */
  client: ApiClient
  /** This node's stable identity in the service bucket (Kairos: the machine UUID). */
  uuid: string
  /** Roles this node knows how to apply, by name. */
  roles: RoleRegistry
  /** Directory the roles keep their applied state in. */
  stateDir: string
  /**
   * The service bucket (Kairos: the network ID).
   *
   * @default 'kairos'
   */
  serviceId?: string
  /**
   * How many nodes must have a healthcheck heartbeat before an assigned role is applied.
   *
   * @default 2
   */
  minNodes?: number
  /**
   * Roles to apply instead of the one the leader assigns; they are also published as this
   * node's role so that the leader plans around them (Kairos `p2p.role`).
   *
   * @default []
   */
  defaultRoles?: string[]
  /**
   * Roles applied on every iteration before anything else, whatever the assignment
   * (Kairos: `auto`, which elects the leader and schedules the others).
   *
   * @default []
   */
  persistentRoles?: string[]
  /**
   * Pause between iterations, in ms.
   *
   * @default 10000
   */
  pollIntervalMs?: number
  /**
   * Wall clock in Unix ms, for advertisements and activity windows.
   *
   * @default Date.now
   */
  clock?: () => number
  /** @default createLogger().child('roles') */
  logger?: Logger
}

/** How one role, or the wait for an assignment, stands after an iteration. */
export interface RoleReport {
  /** A role name, or `assignment` for the node's wait for a role from the leader. */
  role: string
  state: 'done' | 'waiting' | 'failed'
  message: string
}

export interface RoleNodeStatus {
  uuid: string
  /** Number of the iteration this status comes from, counting from 0. */
  iteration: number
  /** The ledger as seen in that iteration; absent when the API could not be read. */
  view?: ClusterView
  reports: RoleReport[]
  /** Why the iteration stopped early (e.g. the API is unreachable). */
  error?: string
}

export interface RoleNode {
  readonly uuid: string
  /** Starts iterating: one iteration at once, then one every `pollIntervalMs`. */
  start: () => void
  /** Stops iterating, after the iteration in progress. */
  stop: () => Promise<void>
  /** Runs one iteration now (the loop calls this; tests may too, without `start`). */
  tick: () => Promise<RoleNodeStatus>
  /** The outcome of the last iteration, if any ran. */
  status: () => RoleNodeStatus | undefined
}

/** The name {@link RoleReport.role} uses for the wait for an assigned role. */
export const ASSIGNMENT = 'assignment'

/**
 * Go's `service.Node` loop, level-triggered: every iteration reads the ledger afresh (nothing is
 * remembered between iterations but what roles keep in `stateDir`), advertises the node on
 * every second one, applies the persistent roles, then the default roles or the role the
 * leader assigned under `<uuid>-role`. Each iteration yields a status naming what every role is
 * waiting for, logged whenever it changes.
 *
 * @example
 *
 * ```ts
 * const node = createRoleNode({ client, uuid, stateDir, roles: createK3sRoles({ k3sBinary: 'k3s' }), persistentRoles: ['auto'] })
 * node.start()
 * ```
 */
export function createRoleNode (init: RoleNodeInit): RoleNode {
  const { client, uuid, roles, stateDir } = init
  const minNodes = init.minNodes ?? 2
  const defaultRoles = init.defaultRoles ?? []
  const persistentRoles = init.persistentRoles ?? []
  const pollIntervalMs = init.pollIntervalMs ?? 10_000
  const logger = init.logger ?? createLogger().child('roles')
  const service = createServiceClient({ client, serviceId: init.serviceId, clock: init.clock })

  let iteration = 0
  let last: RoleNodeStatus | undefined
  let lastLogged = new Map<string, string>()
  let timer: NodeJS.Timeout | undefined
  let running: Promise<RoleNodeStatus> | undefined
  let stopped = true

  const apply = async (name: string, context: RoleContext): Promise<RoleReport> => {
    const role = roles[name]
    if (role === undefined) return { role: name, state: 'failed', message: `unknown role "${name}"` }
    let outcome: RoleOutcome
    try {
      outcome = await role({ ...context, logger: logger.child(name) })
    } catch (err) {
      return { role: name, state: 'failed', message: (err as Error).message }
    }
    return { role: name, state: outcome.state, message: outcome.state === 'done' ? outcome.detail : outcome.reason }
  }

  /** The roles the leader assigned, or why there are none to apply yet. */
  const assignedRoles = async (view: ClusterView): Promise<string[] | RoleReport> => {
    if (view.active.length < minNodes) {
      return { role: ASSIGNMENT, state: 'waiting', message: `${view.active.length} of ${minNodes} nodes active (healthcheck heartbeats): [${view.active.join(' ')}]` }
    }
    const assigned = await readKey(service, roleKey(uuid))
    if (assigned === undefined || parseRoleList(assigned).length === 0) {
      const leader = await readKey(service, LEADER_KEY)
      return { role: ASSIGNMENT, state: 'waiting', message: `no role assigned to ${uuid} yet (leader: ${leader ?? 'none announced'})` }
    }
    return parseRoleList(assigned)
  }

  const iterate = async (): Promise<RoleNodeStatus> => {
    const status: RoleNodeStatus = { uuid, iteration, reports: [] }
    try {
      if (iteration % 2 === 0) await service.advertize(uuid)
      const view: ClusterView = { advertizing: await service.advertizingNodes(), active: await service.activeNodes() }
      status.view = view
      const context: RoleContext = { uuid, service, client, logger, stateDir, view }
      for (const name of persistentRoles) status.reports.push(await apply(name, context))
      let assigned: string[] | RoleReport
      if (defaultRoles.length > 0) {
        // published so that a leader plans around this node's pinned roles
        await publishKey(service, roleKey(uuid), defaultRoles.join(','))
        assigned = defaultRoles
      } else {
        assigned = await assignedRoles(view)
      }
      if (Array.isArray(assigned)) {
        for (const name of assigned) status.reports.push(await apply(name, context))
      } else {
        status.reports.push(assigned)
      }
    } catch (err) {
      status.error = (err as Error).message
    } finally {
      iteration++
    }
    report(status)
    last = status
    return status
  }

  /** Logs what changed since the previous iteration at info level, the rest at debug. */
  const report = (status: RoleNodeStatus): void => {
    const lines = new Map(status.reports.map(r => [r.role, `${r.state}: ${r.message}`]))
    if (status.error !== undefined) lines.set('error', status.error)
    const fields = { iteration: status.iteration, advertizing: status.view?.advertizing.length, active: status.view?.active.length }
    for (const [role, line] of lines) {
      if (lastLogged.get(role) !== line) logger.info(`${role}: ${line}`, fields)
      else logger.debug(`${role}: ${line}`, fields)
    }
    lastLogged = lines
  }

  const tick = async (): Promise<RoleNodeStatus> => {
    // iterations never overlap: a tick during another one waits for it, then runs
    while (running !== undefined) await running
    running = iterate()
    try {
      return await running
    } finally {
      running = undefined
    }
  }

  const loop = (): void => {
    void tick().finally(() => {
      if (!stopped) timer = setTimeout(loop, pollIntervalMs)
    })
  }

  return {
    uuid,
    start () {
      if (!stopped) return
      stopped = false
      logger.info('role node starting', { uuid, serviceId: service.serviceId, minNodes, persistentRoles, defaultRoles })
      loop()
    },
    async stop () {
      stopped = true
      clearTimeout(timer)
      await running
    },
    tick,
    status: () => last
  }
}

