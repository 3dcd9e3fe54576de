import { leader } from '@edgevpn/ledger'
import { planRoles } from './role-plan.js'
import { done, waiting } from './role.js'
import { LEADER_KEY, readKey, roleKey, writeKey } from './service-keys.js'
import type { Role } from './role.js'
import type { ServiceClient } from '@edgevpn/api-client'

export interface AutoRoleInit {
  /**
   * How many nodes must advertize themselves before a leader is elected; guards against a
   * node alone (or a partition) forming its own cluster.
   *
   * @default 2
   */
  minNodes?: number
}

/**
 * Kairos' `auto` role, run by every node on every iteration: the node whose UUID has the
 * largest FNV-1a hash among the advertizing ones announces itself as leader under
 * `leader-auto` (an announced leader that still advertizes keeps the lead), and the leader
 * schedules `master` and `worker` roles with {@link planRoles}. Unlike Kairos, the leader
 * announces itself and schedules in the same iteration, and re-plans from the ledger on every
 * one, so an assignment lost on the way is written again instead of stranding its node.
 */
export function createAutoRole (init: AutoRoleInit = {}): Role {
  const minNodes = init.minNodes ?? 2
  return async ({ uuid, service, view, logger }) => {
    const nodes = [...new Set(view.advertizing)].sort()
    if (nodes.length < minNodes) return waiting(`${nodes.length} of ${minNodes} nodes advertizing: [${nodes.join(' ')}]`)

    const elected = leader(nodes) as string
    const announced = await readKey(service, LEADER_KEY)
    const announcedIsLive = announced !== undefined && nodes.includes(announced)
    if (announcedIsLive && announced !== uuid) return done(`following leader ${announced}`)
    if (!announcedIsLive && elected !== uuid) return waiting(`waiting for ${elected} to announce itself as leader (announced: ${announced ?? 'none'})`)
    if (announced !== uuid) {
      await writeKey(service, LEADER_KEY, uuid)
      logger.info('announced this node as leader', { nodes })
    }

    const plan = planRoles(nodes, await readRoles(service))
    for (const [node, role] of plan.changes) {
      await writeKey(service, roleKey(node), role)
      logger.info(`assigned ${role} to ${node}`)
    }
    if (plan.master === undefined) return waiting(`leader of ${nodes.length} nodes, but none can be master (all hold other roles)`)
    return done(`leader of ${nodes.length} nodes; master ${plan.master}${plan.changes.size > 0 ? `; wrote ${plan.changes.size} assignments` : ''}`)
  }
}

/** The `<uuid>-role` value of every node that has one. */
async function readRoles (service: ServiceClient): Promise<Map<string, string>> {
  const roles = new Map<string, string>()
  for (const uuid of await service.listItems(service.serviceId, 'role')) {
    const value = await readKey(service, roleKey(uuid))
    if (value !== undefined) roles.set(uuid, value)
  }
  return roles
}
