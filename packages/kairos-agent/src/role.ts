import type { ApiClient, ServiceClient } from '@edgevpn/api-client'
import type { Logger } from '@edgevpn/mesh-core'

/** What the node saw on the ledger in the current iteration, shared by every role it applies. */
export interface ClusterView {
  /** UUIDs whose advertisement (`<uuid>-uuid`) is inside the activity window. */
  advertizing: string[]
  /** Peer IDs with a recent `healthcheck` heartbeat. */
  active: string[]
}

/** Everything a role gets when it is applied (Go's `service.RoleConfig`). */
export interface RoleContext {
  /** This node's UUID in the service bucket. */
  uuid: string
  /** The Kairos coordination layer over the node's API. */
  service: ServiceClient
  /** The node's API, for what the service layer does not cover (summary, machines). */
  client: ApiClient
  logger: Logger
  /** Directory where a role keeps what it has applied, so that re-applying it is a no-op. */
  stateDir: string
  view: ClusterView
}

/**
 * The result of applying a role once. `waiting` is not an error: the role cannot progress yet
 * and says why (`1 of 2 nodes advertizing`, `waiting for master join data`); the node applies
 * it again on its next iteration.
 */
export type RoleOutcome =
  | { state: 'done', detail: string }
  | { state: 'waiting', reason: string }

/**
 * A role converges this node towards what the ledger asks for. It must be idempotent: applying
 * it again when it is already applied changes nothing.
 */
export type Role = (context: RoleContext) => Promise<RoleOutcome>

/** Roles by name, as they appear in `<uuid>-role` values and in `defaultRoles`. */
export type RoleRegistry = Readonly<Record<string, Role>>

export function done (detail: string): RoleOutcome {
  return { state: 'done', detail }
}

export function waiting (reason: string): RoleOutcome {
  return { state: 'waiting', reason }
}

/** Role names of a comma-separated list (Go `service.Node` splits `<uuid>-role` values so). */
export function parseRoleList (text: string): string[] {
  return text.split(',').map(name => name.trim()).filter(name => name !== '')
}
