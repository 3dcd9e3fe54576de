import { HttpError } from './errors.js'

/** A request target split the way Echo routes it. */
export interface RequestTarget {
  /** Decoded path segments; `/api/ledger/a%2Fb` gives `['api', 'ledger', 'a/b']`. */
  readonly segments: string[]
  readonly query: URLSearchParams
}

/**
 * Splits a request target into decoded path segments and the query. Segments are split on the
 * literal `/` before decoding, so an encoded slash stays inside its segment (as in Echo, which
 * routes on the raw path whenever it holds such escapes). Decoded bytes that are not UTF-8
 * become U+FFFD, as Go's JSON encoder writes them.
 *
 * @throws HttpError 400 for a malformed percent escape or a target that is not a path
 */
export function parseRequestTarget (target: string): RequestTarget {
  const withoutFragment = target.split('#', 1)[0]
  const queryStart = withoutFragment.indexOf('?')
  const rawPath = queryStart < 0 ? withoutFragment : withoutFragment.slice(0, queryStart)
  const rawQuery = queryStart < 0 ? '' : withoutFragment.slice(queryStart + 1)
  const path = stripOrigin(rawPath)
  if (!path.startsWith('/')) throw new HttpError(400, `invalid request target "${target}"`)
  return { segments: path.slice(1).split('/').map(decodeSegment), query: new URLSearchParams(rawQuery) }
}

/** Absolute-form targets (`GET http://host/path`) are allowed by HTTP/1.1. */
function stripOrigin (path: string): string {
  const match = /^https?:\/\/[^/]*/i.exec(path)
  return match === null ? path : path.slice(match[0].length) || '/'
}

const utf8 = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true })

function decodeSegment (segment: string): string {
  if (!segment.includes('%')) return segment
  if (/%(?![0-9a-fA-F]{2})/.test(segment)) throw new HttpError(400, `invalid URL escape in path segment "${segment}"`)
  const bytes: number[] = []
  for (let i = 0; i < segment.length; i++) {
    if (segment[i] === '%') {
      bytes.push(parseInt(segment.slice(i + 1, i + 3), 16))
      i += 2
    } else {
      bytes.push(segment.charCodeAt(i)) // Node's parser only admits ASCII in the target
    }
  }
  return utf8.decode(new Uint8Array(bytes))
}
