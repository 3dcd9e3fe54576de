/** `host:port` options: the listen address and upstream servers. */

import { isIP } from 'node:net'
import { InvalidAddressError } from './errors.js'

export interface HostPort {
  /** IP literal, or '' for every interface. */
  readonly host: string
  readonly port: number
}

/**
 * Parse `host:port`, `[v6]:port`, `:port` or a bare IP (port `defaultPort`). Hosts must be IP
 * literals: resolving names would need the DNS this server may be.
 *
 * @throws InvalidAddressError naming `what` and the problem
 */
export function parseHostPort (what: string, text: string, defaultPort: number, allowAnyHost: boolean): HostPort {
  const fail = (problem: string): never => { throw new InvalidAddressError(what, text, problem) }
  let host = text
  let portText: string | undefined
  const bracketed = /^\[([^\]]*)\](?::(.*))?$/.exec(text)
  if (bracketed !== null) {
    host = bracketed[1] as string
    portText = bracketed[2]
  } else if (text.split(':').length === 2) {
    [host, portText] = text.split(':') as [string, string]
  }
  if (host === '' ? !allowAnyHost : isIP(host) === 0) fail('host must be an IP address')
  const port = portText === undefined ? defaultPort : Number(portText)
  if (portText !== undefined && !/^\d{1,5}$/.test(portText)) fail('port must be a number')
  if (port > 65535) fail('port must be at most 65535')
  return { host, port }
}
