import { encodeGoJson } from '@edgevpn/go-compat'

/** What a route answers: Go JSON text with a status, or a redirect. */
export type ApiResponse =
  | { readonly status: number, readonly json: string, readonly headers?: Readonly<Record<string, string>> }
  | { readonly status: 301, readonly location: string }

/** A 200 answer with `value` encoded like Go's `json.Marshal`. */
export function ok (value: unknown): ApiResponse {
  return { status: 200, json: encodeGoJson(value) }
}

/** Go's answer to every accepted write: the write happens later, on a backoff ticker. */
export const ANNOUNCING: ApiResponse = ok({ State: 'Announcing' })

/** Echo's error body, `{"message":"..."}`. */
export function errorResponse (status: number, message: string): ApiResponse {
  return { status, json: encodeGoJson({ message }) }
}

/**
 * Go's `json.Indent(dst, src, "", "  ")` of compact JSON text, as Echo writes `?pretty`
 * bodies: one member or element per line, `": "` after names, empty `{}` and `[]` kept whole.
 */
export function indentJson (compact: string): string {
  let out = ''
  let depth = 0
  let inString = false
  const newline = (): string => '\n' + '  '.repeat(depth)
  for (let i = 0; i < compact.length; i++) {
    const c = compact[i]
    if (inString) {
      out += c
      if (c === '\\') out += compact[++i]
      else if (c === '"') inString = false
      continue
    }
    switch (c) {
      case '"': inString = true; out += c; break
      case '{':
      case '[': {
        const close = c === '{' ? '}' : ']'
        if (compact[i + 1] === close) {
          out += c + close
          i++
        } else {
          depth++
          out += c + newline()
        }
        break
      }
      case '}':
      case ']': depth--; out += newline() + c; break
      case ',': out += c + newline(); break
      case ':': out += ': '; break
      default: out += c
    }
  }
  return out
}
