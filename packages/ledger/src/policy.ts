/**
 * Which buckets are owned, who owns an entry and when an entry expires (Go `DefaultRegistry`),
 * plus the heartbeat liveness test they rely on.
 */

import { JsonObject, parseJsonTree, structFields, parseRfc3339 } from '@edgevpn/go-compat'
import type { LedgerEntry } from './entry.js'

/** Bucket names with a fixed meaning in edgevpn. */
export const BUCKETS = {
  machines: 'machines',
  services: 'services',
  files: 'files',
  users: 'users',
  healthcheck: 'healthcheck',
  dns: 'dns',
  egress: 'egress',
  dhcp: 'dhcp',
  trustzone: 'trustzone',
  trustzoneAuth: 'trustzoneAuth'
} as const

/**
 * - `none`: never expires (open buckets, and the reaper leaves it alone)
 * - `liveness`: expires when the owner has no fresh heartbeat
 * - `absolute`: expires `ttlMs` after the entry's own UpdatedAt
 */
export type ExpiryKind = 'none' | 'liveness' | 'absolute'

export interface BucketPolicy {
  /** Signed and owner-enforced. */
  readonly owned: boolean
  /**
   * The owner an entry's key or value names; undefined for self-owned buckets (`dns`), where
   * the first valid signer owns the key.
   */
  readonly ownerOf?: (key: string, value: string) => string
  readonly expiry: ExpiryKind
  /** Lifetime for `absolute` expiry. */
  readonly ttlMs: number
}

export type Registry = ReadonlyMap<string, BucketPolicy>

/** Unregistered buckets are open and never expire. */
export const OPEN_BUCKET: BucketPolicy = { owned: false, expiry: 'none', ttlMs: 0 }

export function policyFor (registry: Registry, bucket: string): BucketPolicy {
  return registry.get(bucket) ?? OPEN_BUCKET
}

/** Owner = the key (users, healthcheck, egress). */
export function ownerIsKey (key: string): string {
  return key
}

/**
 * Owner = the `PeerID` member of the JSON value (machines, services, files), read like Go's
 * `json.Unmarshal` into `struct{ PeerID string }`: case-insensitive, `''` when absent or invalid.
 */
export function ownerFromPeerIdField (_key: string, value: string): string {
  try {
    const node = parseJsonTree(value)
    if (!(node instanceof JsonObject)) return ''
    const peerId = structFields(node, ['PeerID']).PeerID
    return typeof peerId === 'string' ? peerId : ''
  } catch {
    return ''
  }
}

/**
 * The built-in policies. `ttlMs` is the ownership TTL: the liveness window, and the absolute
 * lifetime of heartbeats. `dhcp`, `trustzone`, `trustzoneAuth` and unknown buckets are open.
 */
export function defaultRegistry (ttlMs: number): Registry {
  const live = (ownerOf?: BucketPolicy['ownerOf']): BucketPolicy => ({ owned: true, ownerOf, expiry: 'liveness', ttlMs: 0 })
  return new Map<string, BucketPolicy>([
    [BUCKETS.machines, live(ownerFromPeerIdField)],
    [BUCKETS.services, live(ownerFromPeerIdField)],
    [BUCKETS.files, live(ownerFromPeerIdField)],
    [BUCKETS.users, live(ownerIsKey)],
    [BUCKETS.healthcheck, { owned: true, ownerOf: ownerIsKey, expiry: 'absolute', ttlMs }],
    [BUCKETS.dns, live()],
    [BUCKETS.egress, live(ownerIsKey)]
  ])
}

/** Live (non-tombstoned) Value texts of a bucket; the heartbeat view used for liveness. */
export function liveValues (bucket: ReadonlyMap<string, LedgerEntry> | undefined): Map<string, string> {
  const out = new Map<string, string>()
  for (const [key, entry] of bucket ?? []) {
    if (!entry.deleted) out.set(key, entry.value)
  }
  return out
}

/**
 * Go `IsLive`: `health[owner]` is a JSON string holding an RFC 3339 time `t`, and
 * `t + ttl` is strictly after `now`.
 */
export function isLive (health: ReadonlyMap<string, string>, owner: string, ttlMs: number, nowMs: number): boolean {
  const heartbeat = heartbeatTime(health.get(owner))
  return heartbeat !== undefined && heartbeat + ttlMs > nowMs
}

/** The time in a heartbeat Value (`"2026-01-02T03:04:05Z"`), or undefined. */
export function heartbeatTime (value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  try {
    const node = parseJsonTree(value)
    return typeof node === 'string' ? parseRfc3339(node) : undefined
  } catch {
    return undefined
  }
}

/** The owner of an existing entry (Go `ownerOf`): legacy entries fall back to the owner their value names. */
export function ownerOfEntry (policy: BucketPolicy, key: string, entry: LedgerEntry): string {
  if (entry.owner !== '' || policy.ownerOf === undefined) return entry.owner
  return policy.ownerOf(key, entry.value)
}

/** Go `expired`: whether another peer may take over (or the reaper tombstone) `entry`. */
export function isExpired (policy: BucketPolicy, key: string, entry: LedgerEntry, health: ReadonlyMap<string, string>,
  livenessTtlMs: number, nowMs: number): boolean {
  switch (policy.expiry) {
    case 'absolute': return Number(entry.updatedAt) * 1000 + policy.ttlMs < nowMs
    case 'liveness': return !isLive(health, ownerOfEntry(policy, key, entry), livenessTtlMs, nowMs)
    default: return false
  }
}
