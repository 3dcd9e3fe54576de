import { leader } from '@edgevpn/ledger'
import { parseRoleList } from './role.js'

export const MASTER_ROLE = 'master'
export const WORKER_ROLE = 'worker'

export interface RolePlan {
  /** The node that is to be master, or `undefined` when no node can be. */
  master: string | undefined
  /** The role values to write, by node UUID; empty when the ledger already matches. */
  changes: Map<string, string>
}

/**
 * The leader's scheduling as a function of what the ledger holds now (level-triggered: the
 * same input always gives the same plan, and a plan applied gives no further changes):
 *
 * - exactly one master: an advertizing master keeps the role (the one with the largest FNV-1a
 *   hash if a split left several); without one, an unassigned node is chosen, else a worker is
 *   promoted; every other node holding `master` (e.g. one that stopped advertizing) becomes a
 *   worker, so that it cannot come back as a second master;
 * - every advertizing node without a role becomes a worker;
 * - other roles (pinned by a node itself) are left alone.
 *
 * @param advertizing UUIDs of the nodes advertizing within the activity window
 * @param current the `<uuid>-role` value of every node that has one, advertizing or not
 */
export function planRoles (advertizing: readonly string[], current: ReadonlyMap<string, string>): RolePlan {
  const live = [...new Set(advertizing)].sort()
  const rolesOf = (uuid: string): string[] => parseRoleList(current.get(uuid) ?? '')
  const holds = (uuid: string, role: string): boolean => rolesOf(uuid).includes(role)
  const unassigned = live.filter(uuid => rolesOf(uuid).length === 0)

  const liveMasters = live.filter(uuid => holds(uuid, MASTER_ROLE))
  const master = leader(liveMasters) ?? leader(unassigned) ?? leader(live.filter(uuid => holds(uuid, WORKER_ROLE)))

  const changes = new Map<string, string>()
  if (master !== undefined && !holds(master, MASTER_ROLE)) changes.set(master, MASTER_ROLE)
  for (const [uuid] of current) {
    if (uuid !== master && holds(uuid, MASTER_ROLE)) changes.set(uuid, WORKER_ROLE)
  }
  for (const uuid of unassigned) {
    if (uuid !== master) changes.set(uuid, WORKER_ROLE)
  }
  return { master, changes }
}
