/** The JSON the daemon's API answers, as the dashboard reads it (see `@edgevpn/vpn-daemon`). */

export interface Summary {
  Files: number
  Machines: number
  Users: number
  Services: number
  BlockChain: number
  OnChainNodes: number
  Peers: number
  NodeID: string
}

export interface Machine {
  PeerID: string
  Hostname: string
  OS: string
  Arch: string
  Address: string
  Version: string
  Connected: boolean
  OnChain: boolean
  Online: boolean
}

export type PeerLink = 'direct' | 'relayed' | 'none'

/** An entry of the daemon's peer table (`/api/peers`); optional fields are absent until known. */
export interface PeerEntry {
  id: string
  discoveredVia: string
  connected: boolean
  link: PeerLink
  /** The link and why, e.g. `direct: hole-punched` or `relayed: hole punch failed, symmetric NAT (ours)`. */
  path: string
  remoteAddr?: string
  latencyMs?: number
  lastError?: string
  bytesIn?: number
  bytesOut?: number
  firstSeen: number
  lastSeen: number
}

/** A service or a file announced on the ledger. */
export interface Announcement {
  PeerID: string
  Name: string
}

export interface DnsRecord {
  Regex: string
  Records: Record<string, string>
}

/** `/api/ledger`: bucket → key → the stored Value's JSON text. */
export type LedgerSnapshot = Record<string, Record<string, string>>

/** A request the API refused or could not answer. */
export class ApiError extends Error {
  readonly status: number

  constructor (path: string, status: number, message: string) {
    super(`${path}: HTTP ${status}${message === '' ? '' : ` (${message})`}`)
    this.name = 'ApiError'
    this.status = status
  }
}

export async function getJson<T> (path: string, signal?: AbortSignal): Promise<T> {
  const response = await fetch(path, { signal, headers: { Accept: 'application/json' } })
  if (!response.ok) throw new ApiError(path, response.status, await errorMessage(response))
  return await response.json() as T
}

export async function postJson (path: string, body: unknown): Promise<void> {
  const response = await fetch(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify(body)
  })
  if (!response.ok) throw new ApiError(path, response.status, await errorMessage(response))
}

/** The `message` of an Echo-style error body, or nothing when the body is not one. */
async function errorMessage (response: Response): Promise<string> {
  try {
    const body: unknown = await response.json()
    return typeof body === 'object' && body !== null && typeof (body as { message?: unknown }).message === 'string'
      ? (body as { message: string }).message
      : ''
  } catch {
    return ''
  }
}
