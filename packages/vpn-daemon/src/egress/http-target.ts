/** Where a proxied HTTP request or CONNECT tunnel is headed. */

/** The request names no usable destination. */
export class BadTargetError extends Error {
  override name = 'BadTargetError'
}

export interface HttpTarget {
  /** Host name or IP address, IPv6 without brackets. */
  readonly hostname: string
  readonly port: number
  /** Speak TLS to the origin. */
  readonly secure: boolean
  /** The origin-form request target: path and query. */
  readonly path: string
}

/**
 * The destination of a request to a proxy or an egress: an absolute-form URI
 * (`GET http://host/path`) names it, otherwise the `Host` header does, as Go's egress reads it.
 * TLS is used for `https:` URIs and, as in Go, for port 443.
 *
 * @throws BadTargetError when neither names a host
 */
export function httpTarget (requestUrl: string, hostHeader: string | undefined): HttpTarget {
  if (/^https?:\/\//i.test(requestUrl)) {
    const url = parseUrl(requestUrl)
    const secure = url.protocol === 'https:'
    const port = url.port === '' ? (secure ? 443 : 80) : Number(url.port)
    return { hostname: unbracket(url.hostname), port, secure: secure || port === 443, path: url.pathname + url.search }
  }
  if (hostHeader === undefined || hostHeader === '') throw new BadTargetError('the request has neither an absolute URI nor a Host header')
  const { hostname, port } = authority(hostHeader, 80)
  return { hostname, port, secure: port === 443, path: requestUrl }
}

/**
 * The `host:port` of a CONNECT request (authority form; the port is required).
 *
 * @throws BadTargetError naming the bad text
 */
export function connectTarget (requestUrl: string): { hostname: string, port: number } {
  if (!/:\d+$/.test(requestUrl)) throw new BadTargetError(`CONNECT target ${JSON.stringify(requestUrl)} is not host:port`)
  return authority(requestUrl, undefined)
}

function authority (text: string, defaultPort: number | undefined): { hostname: string, port: number } {
  const url = parseUrl(`http://${text}`)
  if (url.username !== '' || url.password !== '' || url.pathname !== '/' || url.search !== '' || url.hash !== '') {
    throw new BadTargetError(`${JSON.stringify(text)} is not a host[:port]`)
  }
  // URL drops the scheme's default port, so an explicit `:80` reads as no port.
  const port = url.port === '' ? (defaultPort ?? 80) : Number(url.port)
  return { hostname: unbracket(url.hostname), port }
}

function parseUrl (text: string): URL {
  try {
    return new URL(text)
  } catch {
    throw new BadTargetError(`${JSON.stringify(text)} is not a valid URL or host`)
  }
}

function unbracket (hostname: string): string {
  return hostname.replace(/^\[(.*)\]$/, '$1')
}
