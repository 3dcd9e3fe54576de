import { BUCKETS } from '@edgevpn/ledger'
import { parseJsonTree, parseRfc3339, decodeStringStructText } from '@edgevpn/go-compat'
import type { ApiClient } from './client.js'

/** Kairos treats an advertisement or heartbeat younger than this as active. */
const ACTIVE_WINDOW_MS = 15 * 60_000

export interface ServiceClientInit {
  client: ApiClient
  /**
   * The bucket of the service (Kairos: its network ID).
   *
   * @default 'kairos'
   */
  serviceId?: string
  /**
   * Wall clock in Unix ms.
   *
   * @default Date.now
   */
  clock?: () => number
}

/** Go's `api/client/service.Client`: Kairos' coordination of nodes through one ledger bucket. */
export interface ServiceClient {
  readonly serviceId: string
  /** Stores `value` under key `<uuid>-<thing>`. */
  set: (thing: string, uuid: string, value: string) => Promise<void>
  /**
   * Reads the string under the key made of `args` reversed and joined with `-`:
   * `get('role', uuid)` reads `<uuid>-role`. A value that is not a JSON string reads as `''`.
   *
   * @throws KeyNotFoundError when the key has no value
   */
  get: (...args: string[]) => Promise<string>
  /** Announces `uuid` as alive now: `{"Time": <RFC 3339 UTC>}` under `<uuid>-uuid`. */
  advertize: (uuid: string) => Promise<void>
  /**
   * Keys of `serviceId` ending in `suffix`, with every `-<suffix>` removed (Go's exact rule: a
   * plain suffix test, then a replace-all).
   */
  listItems: (serviceId: string, suffix: string) => Promise<string[]>
  /** UUIDs that advertized themselves within the last 15 minutes. */
  advertizingNodes: () => Promise<string[]>
  /** Peer IDs with a `healthcheck` heartbeat within the last 15 minutes. */
  activeNodes: () => Promise<string[]>
  /** Deletes the service's bucket. */
  clean: () => Promise<void>
}

export function createServiceClient (init: ServiceClientInit): ServiceClient {
  const { client } = init
  const serviceId = init.serviceId ?? 'kairos'
  const clock = init.clock ?? Date.now
  const isRecent = (unixMs: number | undefined): boolean => unixMs !== undefined && unixMs + ACTIVE_WINDOW_MS > clock()

  const listItems = async (bucket: string, suffix: string): Promise<string[]> =>
    (await client.getBucketKeys(bucket))
      .filter(key => key.endsWith(suffix))
      .map(key => key.replaceAll(`-${suffix}`, ''))

  return {
    serviceId,
    set: async (thing, uuid, value) => { await client.put(serviceId, `${uuid}-${thing}`, value) },

    async get (...args) {
      const data = await client.getBucketKey(serviceId, [...args].reverse().join('-'))
      return decodeString(data) ?? ''
    },

    advertize: async (uuid) => { await client.put(serviceId, `${uuid}-uuid`, { Time: formatRfc3339Nano(clock()) }) },
    listItems,

    async advertizingNodes () {
      const active: string[] = []
      for (const uuid of await listItems(serviceId, 'uuid')) {
        let data: string
        try {
          data = await client.getBucketKey(serviceId, `${uuid}-uuid`)
        } catch {
          continue // Go skips entries it cannot read
        }
        if (isRecent(parseRfc3339(decodeStringStructText(data, ['Time']).value.Time))) active.push(uuid)
      }
      return active
    },

    async activeNodes () {
      const heartbeats = await client.getBucket(BUCKETS.healthcheck)
      return [...heartbeats].filter(([, data]) => isRecent(parseRfc3339(decodeString(data) ?? ''))).map(([peer]) => peer)
    },

    clean: async () => { await client.deleteBucket(serviceId) }
  }
}

/** The string a JSON text holds, or undefined when it holds something else. */
function decodeString (text: string): string | undefined {
  try {
    const node = parseJsonTree(text)
    return typeof node === 'string' ? node : undefined
  } catch {
    return undefined
  }
}

/**
 * Go's JSON form of a UTC `time.Time` (RFC 3339 with nanoseconds, trailing zeros of the fraction
 * dropped): `2026-01-02T03:04:05.123Z`, `2026-01-02T03:04:05Z`.
 */
function formatRfc3339Nano (unixMs: number): string {
  return new Date(unixMs).toISOString().replace(/\.?0+Z$/, 'Z')
}
