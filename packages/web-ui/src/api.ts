/** The JSON the daemon's API answers: the daemon's own wire types (type-only, nothing is bundled). */
import type { File, Service } from '@edgevpn/api-client/wire-types'

export type { DnsEntry, LedgerSnapshot, MachineStatus, PeerEntry, Summary } from '@edgevpn/api-client/wire-types'

/** A service or a file announced on the ledger (`/api/services`, `/api/files`: the same shape). */
export type Announcement = Service | File

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
