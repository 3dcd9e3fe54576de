import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { decodeUtf8, encodeGoJson, JsonNumber, JsonObject, parseJsonTree, structFields, decodePaddedBase64Url, decodeStringStruct, describeJsonNode, encodePaddedBase64Url } from '@edgevpn/go-compat'
import type { JsonNode } from '@edgevpn/go-compat'
import { parseBlock } from '@edgevpn/ledger'
import type { Block } from '@edgevpn/ledger'
import type { File, Machine, Service, Summary, User } from './wire-types.js'
import { ApiClientError, KeyNotFoundError } from './errors.js'
import { FILE_FIELDS, MACHINE_FIELDS, SERVICE_FIELDS, SUMMARY_FIELDS, USER_FIELDS } from './wire-types.js'

/** The `unix://` prefix that selects a unix socket instead of a TCP address. */
export const UNIX_SOCKET_SCHEME = 'unix://'

export interface ApiClientInit {
  /**
   * The API's base URL (`http://127.0.0.1:8080`; a bare `host:port` means `http://`) or
   * `unix:///path/to.sock`.
   */
  host: string
  /**
   * Limit for a whole request, in ms; 0 for none (Go's default).
   *
   * @default 30000
   */
  timeoutMs?: number
  /**
   * Sent as `Authorization: Bearer <token>`, for a daemon started with `--api-token` (not in Go).
   *
   * @default undefined (no header)
   */
  token?: string
}

/** Go's `api/client.Client`. Ledger values are `Data`: the stored Value JSON text. */
export interface ApiClient {
  /** Stores `value` as Go's client does: the padded base64url of its JSON, as a JSON string. */
  put: (bucket: string, key: string, value: unknown) => Promise<void>
  /**
   * Reads a value written by {@link ApiClient.put}: the original JSON text.
   *
   * @throws KeyNotFoundError when the key has no value
   * @throws ApiClientError when the value was not written by `put`
   */
  getBucketKey: (bucket: string, key: string) => Promise<string>
  /** Key → stored Value text; empty when the bucket does not exist. */
  getBucket: (bucket: string) => Promise<Map<string, string>>
  getBucketKeys: (bucket: string) => Promise<string[]>
  getBuckets: () => Promise<string[]>
  /** Bucket → key → stored Value text. */
  ledger: () => Promise<Map<string, Map<string, string>>>
  delete: (bucket: string, key: string) => Promise<void>
  deleteBucket: (bucket: string) => Promise<void>
  summary: () => Promise<Summary>
  machines: () => Promise<Machine[]>
  services: () => Promise<Service[]>
  files: () => Promise<File[]>
  users: () => Promise<User[]>
  blockchain: () => Promise<Block>
}

interface Endpoint {
  /** Options for `http.request` without method and path. */
  readonly base: { socketPath?: string, protocol?: string, hostname?: string, port?: string, host?: string }
  readonly pathPrefix: string
  readonly secure: boolean
}

/**
 * A client of the edgevpn HTTP API, for Go and TypeScript daemons alike. Path segments are
 * percent-encoded (Go's client sends them raw, which breaks on `/`, `?`, `#`, `%` or spaces); the
 * server sees the same names either way.
 *
 * @example
 *
 * ```ts
 * const client = createApiClient({ host: 'unix:///run/edgevpn.sock' })
 * await client.put('b', 'f', 'bar')
 * await client.getBucketKey('b', 'f') // '"bar"'
 * ```
 */
export function createApiClient (init: ApiClientInit): ApiClient {
  const endpoint = parseHost(init.host)
  const timeoutMs = init.timeoutMs ?? 30_000
  const headers: Record<string, string> = { 'Content-Type': 'application/json' }
  if (init.token !== undefined) headers.Authorization = `Bearer ${init.token}`

  /** The body of a 2xx answer; other statuses are errors carrying Echo's `message`. */
  const callText = async (method: string, segments: string[]): Promise<string> => {
    const path = '/' + segments.map(escapeSegment).join('/')
    const { status, body } = await send(endpoint, method, path, timeoutMs, headers)
    if (status >= 200 && status <= 299) return body
    throw new ApiClientError(`${method} ${path}: HTTP ${status}${errorMessage(body)}`)
  }

  const call = async (method: string, segments: string[]): Promise<JsonNode> => {
    const body = await callText(method, segments)
    try {
      return parseJsonTree(body)
    } catch (err) {
      throw new ApiClientError(`${method} /${segments.join('/')}: answer is not JSON: ${(err as Error).message}`)
    }
  }

  const expectAnnouncing = async (method: string, segments: string[]): Promise<void> => {
    const node = await call(method, segments)
    const state = node instanceof JsonObject ? structFields(node, ['State']).State : undefined
    const text = typeof state === 'string' ? state : ''
    if (text !== 'Announcing') throw new ApiClientError(`unexpected state '${text}'`)
  }

  const structList = async <F extends string>(what: string, fields: readonly F[]): Promise<Array<Record<F, string>>> => {
    const node = await call('GET', ['api', what])
    if (node === null) return []
    if (!Array.isArray(node)) throw new ApiClientError(`GET /api/${what}: expected an array, got ${describeJsonNode(node)}`)
    return node.map((item, i) => {
      const { value, error } = decodeStringStruct(item, fields)
      if (error !== undefined) throw new ApiClientError(`GET /api/${what}: element ${i}: ${error}`)
      return value
    })
  }

  const getBucket = async (bucket: string): Promise<Map<string, string>> =>
    stringMap(await call('GET', ['api', 'ledger', bucket]), `bucket ${bucket}`)

  const ledger = async (): Promise<Map<string, Map<string, string>>> => {
    const node = await call('GET', ['api', 'ledger'])
    const out = new Map<string, Map<string, string>>()
    if (node === null) return out
    if (!(node instanceof JsonObject)) throw new ApiClientError(`GET /api/ledger: expected an object, got ${describeJsonNode(node)}`)
    for (const [bucket, values] of node.members) out.set(bucket, stringMap(values, `bucket ${bucket}`))
    return out
  }

  return {
    async put (bucket, key, value) {
      const payload = encodePaddedBase64Url(Buffer.from(encodeGoJson(value), 'utf8'))
      await expectAnnouncing('PUT', ['api', 'ledger', bucket, key, payload])
    },

    async getBucketKey (bucket, key) {
      const stored = await call('GET', ['api', 'ledger', bucket, key])
      if (stored === '') throw new KeyNotFoundError(bucket, key)
      if (typeof stored !== 'string') throw new ApiClientError(`${bucket}/${key}: expected a JSON string, got ${describeJsonNode(stored)}`)
      let encoded: JsonNode
      try {
        encoded = parseJsonTree(stored)
      } catch (err) {
        throw new ApiClientError(`${bucket}/${key} was not written by put: ${(err as Error).message}`)
      }
      if (typeof encoded !== 'string') throw new ApiClientError(`${bucket}/${key} was not written by put: its value is ${describeJsonNode(encoded)}`)
      try {
        return decodeUtf8(decodePaddedBase64Url(encoded))
      } catch (err) {
        throw new ApiClientError(`${bucket}/${key} was not written by put: ${(err as Error).message}`)
      }
    },

    getBucket,
    getBucketKeys: async (bucket) => [...(await getBucket(bucket)).keys()],
    getBuckets: async () => [...(await ledger()).keys()],
    ledger,
    delete: async (bucket, key) => { await expectAnnouncing('DELETE', ['api', 'ledger', bucket, key]) },
    deleteBucket: async (bucket) => { await expectAnnouncing('DELETE', ['api', 'ledger', bucket]) },

    async summary () {
      const node = await call('GET', ['api', 'summary'])
      if (!(node instanceof JsonObject)) throw new ApiClientError(`GET /api/summary: expected an object, got ${describeJsonNode(node)}`)
      const members = structFields(node, SUMMARY_FIELDS)
      const count = (field: Exclude<keyof Summary, 'NodeID'>): number => {
        const member = members[field]
        if (member === undefined || member === null) return 0
        if (!(member instanceof JsonNumber) || !/^-?\d+$/.test(member.literal)) throw new ApiClientError(`GET /api/summary: ${field} must be an integer`)
        return Number(member.literal)
      }
      const nodeId = members.NodeID ?? ''
      if (typeof nodeId !== 'string') throw new ApiClientError('GET /api/summary: NodeID must be a string')
      return {
        Files: count('Files'),
        Machines: count('Machines'),
        Users: count('Users'),
        Services: count('Services'),
        BlockChain: count('BlockChain'),
        OnChainNodes: count('OnChainNodes'),
        Peers: count('Peers'),
        NodeID: nodeId
      }
    },

    machines: async () => structList('machines', MACHINE_FIELDS),
    services: async () => structList('services', SERVICE_FIELDS),
    files: async () => structList('files', FILE_FIELDS),
    users: async () => structList('users', USER_FIELDS),

    async blockchain () {
      const body = await callText('GET', ['api', 'blockchain'])
      try {
        return parseBlock(body)
      } catch (err) {
        throw new ApiClientError(`GET /api/blockchain: ${(err as Error).message}`)
      }
    }
  }
}

function parseHost (host: string): Endpoint {
  if (host.startsWith(UNIX_SOCKET_SCHEME)) {
    const socketPath = host.slice(UNIX_SOCKET_SCHEME.length)
    if (socketPath === '') throw new ApiClientError(`invalid API host "${host}": empty socket path`)
    return { base: { socketPath, host: 'unix' }, pathPrefix: '', secure: false }
  }
  let url: URL
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(host) ? host : `http://${host}`)
  } catch {
    throw new ApiClientError(`invalid API host "${host}"`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ApiClientError(`invalid API host "${host}": unsupported scheme ${url.protocol}`)
  return {
    base: { protocol: url.protocol, hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: url.port },
    pathPrefix: url.pathname.replace(/\/+$/, ''),
    secure: url.protocol === 'https:'
  }
}

/** Escapes what cannot stand in a path segment, leaving the characters RFC 3986 allows (`=` of base64 padding included). */
function escapeSegment (segment: string): string {
  return encodeURIComponent(segment).replace(/%(24|26|2B|2C|3B|3D|3A|40)/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)))
}

async function send (endpoint: Endpoint, method: string, path: string, timeoutMs: number, headers: Record<string, string>): Promise<{ status: number, body: string }> {
  const request = endpoint.secure ? httpsRequest : httpRequest
  return new Promise((resolve, reject) => {
    const fail = (err: Error): void => { reject(new ApiClientError(`${method} ${path}: ${err.message}`)) }
    const req = request({
      ...endpoint.base,
      method,
      path: endpoint.pathPrefix + path,
      headers,
      // a connection per request: a pooled one may have been closed by a restarted daemon
      agent: false,
      signal: timeoutMs > 0 ? AbortSignal.timeout(timeoutMs) : undefined
    }, response => {
      const chunks: Buffer[] = []
      response.on('data', (chunk: Buffer) => { chunks.push(chunk) })
      response.on('error', fail)
      response.on('end', () => { resolve({ status: response.statusCode ?? 0, body: decodeUtf8(Buffer.concat(chunks)) }) })
    })
    req.on('error', fail)
    req.end()
  })
}

/** `: message` from an Echo error body, or nothing. */
function errorMessage (body: string): string {
  try {
    const node = parseJsonTree(body)
    const message = node instanceof JsonObject ? structFields(node, ['message']).message : undefined
    return typeof message === 'string' ? `: ${message}` : ''
  } catch {
    return ''
  }
}

/** An object of JSON strings (a bucket); `null` is an empty bucket. */
function stringMap (node: JsonNode, what: string): Map<string, string> {
  const out = new Map<string, string>()
  if (node === null) return out
  if (!(node instanceof JsonObject)) throw new ApiClientError(`${what}: expected an object, got ${describeJsonNode(node)}`)
  for (const [key, value] of node.members) {
    if (typeof value !== 'string') throw new ApiClientError(`${what}: value of ${key} must be a string, got ${describeJsonNode(value)}`)
    out.set(key, value)
  }
  return out
}
