/** A plain-text answer (`/metrics`, `/healthz`), outside the JSON conventions of the Go routes. */
export interface TextResponse {
  readonly status: number
  readonly text: string
  readonly contentType: string
}

/** `text` with a `text/plain; charset=utf-8` type unless told otherwise. */
export function textResponse (status: number, text: string, contentType: string = 'text/plain; charset=utf-8'): TextResponse {
  return { status, text, contentType }
}
