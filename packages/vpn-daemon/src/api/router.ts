import type { FileResponse } from './file-response.js'
import type { ApiResponse } from './json-response.js'
import type { TextResponse } from './text-response.js'
import type { IncomingHttpHeaders } from 'node:http'

export interface RouteContext {
  /** The decoded path, e.g. `/app/peers`. */
  readonly path: string
  /** Decoded values of the `:name` segments of the route pattern; `*` holds the rest of the path after a trailing `/*`. */
  readonly params: Readonly<Record<string, string>>
  readonly query: URLSearchParams
  readonly headers: IncomingHttpHeaders
  /** The request body (the server refuses bodies beyond its size limit). */
  readonly body: Buffer
}

export type RouteResponse = ApiResponse | TextResponse | FileResponse

export type RouteHandler = (context: RouteContext) => RouteResponse | Promise<RouteResponse>

export type RouteMatch =
  | { readonly kind: 'found', readonly handler: RouteHandler, readonly params: Record<string, string> }
  /** The path exists, but not for this method. */
  | { readonly kind: 'method-not-allowed', readonly allowed: string[] }
  | { readonly kind: 'not-found' }

interface Route {
  readonly method: string
  readonly pattern: string[]
  readonly handler: RouteHandler
}

/**
 * Exact-segment routing in the manner of Echo: `:name` matches one whole (possibly empty)
 * segment, a trailing `*` matches the rest of the path (one or more segments), literal segments
 * win over parameters, and a path known for other methods is a 405.
 */
export class Router {
  private readonly routes: Route[] = []

  add (method: string, pattern: string, handler: RouteHandler): this {
    this.routes.push({ method, pattern: pattern.split('/').slice(1), handler })
    return this
  }

  match (method: string, segments: readonly string[]): RouteMatch {
    const candidates = this.routes
      .map(route => ({ route, score: matchScore(route.pattern, segments) }))
      .filter((candidate): candidate is { route: Route, score: number } => candidate.score !== undefined)
    if (candidates.length === 0) return { kind: 'not-found' }
    const best = Math.max(...candidates.map(candidate => candidate.score))
    const atBest = candidates.filter(candidate => candidate.score === best)
    const route = atBest.find(candidate => candidate.route.method === method)?.route
    if (route === undefined) return { kind: 'method-not-allowed', allowed: [...new Set(atBest.map(candidate => candidate.route.method))] }
    const params: Record<string, string> = {}
    route.pattern.forEach((part, i) => {
      if (part.startsWith(':')) params[part.slice(1)] = segments[i]
      else if (part === WILDCARD) params[WILDCARD] = segments.slice(i).join('/')
    })
    return { kind: 'found', handler: route.handler, params }
  }
}

const WILDCARD = '*'

/** The number of literal segments matched, or undefined when the pattern does not match. */
function matchScore (pattern: readonly string[], segments: readonly string[]): number | undefined {
  const open = pattern.at(-1) === WILDCARD
  if (open ? segments.length < pattern.length : pattern.length !== segments.length) return undefined
  let literals = 0
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i].startsWith(':') || pattern[i] === WILDCARD) continue
    if (pattern[i] !== segments[i]) return undefined
    literals++
  }
  return literals
}
