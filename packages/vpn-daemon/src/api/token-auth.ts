/**
 * Optional bearer-token access control of the HTTP API (not in Go edgevpn, whose API is open to
 * whoever reaches its socket). Scripts send `Authorization: Bearer <token>`; a browser opens
 * `/app?token=<token>` once and gets an HttpOnly, SameSite=Strict session cookie in exchange, so
 * the dashboard's own requests need no change and page scripts never see the token.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import { checkApiToken } from '@edgevpn/api-client'
import type { ApiResponse } from './json-response.js'
import type { IncomingHttpHeaders } from 'node:http'

/** The cookie that carries a browser's session. */
export const SESSION_COOKIE = 'edgevpn_api_session'

/** Paths answered without a token: liveness probes of service managers. */
const PUBLIC_PATHS = new Set(['/healthz'])

/** The request as access control sees it. */
export interface AuthRequest {
  readonly method: string
  /** The decoded path, e.g. `/api/ledger`. */
  readonly path: string
  readonly query: URLSearchParams
  readonly headers: IncomingHttpHeaders
}

/**
 * Checks requests against `token`. Comparisons hash both sides first, so they take the same time
 * whatever the length or content of the candidate.
 */
export class ApiTokenAuth {
  readonly #tokenDigest: Buffer
  readonly #session: string
  readonly #sessionDigest: Buffer
  #refusedRequests = 0

  /** @throws ApiTokenError when the token is empty or has characters a header cannot carry */
  constructor (token: string) {
    checkApiToken(token)
    this.#tokenDigest = digest(token)
    // derived, so that the cookie jar never holds the token itself
    this.#session = createHmac('sha256', token).update('edgevpn API session').digest('base64url')
    this.#sessionDigest = digest(this.#session)
  }

  /** Requests answered with a 401 so far (`edgevpn_api_refused_requests_total`). */
  get refusedRequests (): number {
    return this.#refusedRequests
  }

  /**
   * What to answer instead of the route, or undefined when the request may proceed: a 401 for a
   * missing or wrong credential, a 303 that sets the session cookie for a UI page opened with
   * the right `?token=`.
   */
  check (request: AuthRequest): ApiResponse | undefined {
    if (PUBLIC_PATHS.has(request.path)) return undefined
    const offered = request.query.get('token')
    if (offered !== null && request.method === 'GET' && isUiPath(request.path)) {
      if (!this.#matches(offered, this.#tokenDigest)) return this.#refuse()
      const rest = new URLSearchParams(request.query)
      rest.delete('token')
      const query = rest.size > 0 ? `?${rest.toString()}` : ''
      return {
        status: 303,
        json: '{"message":"See Other"}',
        headers: {
          Location: `${request.path}${query}`,
          'Set-Cookie': `${SESSION_COOKIE}=${this.#session}; Path=/; HttpOnly; SameSite=Strict`
        }
      }
    }
    const bearer = /^Bearer +(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1]
    if (bearer !== undefined && this.#matches(bearer, this.#tokenDigest)) return undefined
    const session = sessionCookie(request.headers.cookie)
    if (session !== undefined && this.#matches(session, this.#sessionDigest)) return undefined
    return this.#refuse()
  }

  #refuse (): ApiResponse {
    this.#refusedRequests++
    return unauthorized()
  }

  #matches (candidate: string, expected: Buffer): boolean {
    return timingSafeEqual(digest(candidate), expected)
  }
}

function digest (text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest()
}

function isUiPath (path: string): boolean {
  return path === '/app' || path.startsWith('/app/')
}

function sessionCookie (header: string | undefined): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [name, value] = part.trim().split('=', 2)
    if (name === SESSION_COOKIE && value !== undefined) return value
  }
  return undefined
}

function unauthorized (): ApiResponse {
  return { status: 401, json: '{"message":"Unauthorized"}', headers: { 'WWW-Authenticate': 'Bearer realm="edgevpn"' } }
}
