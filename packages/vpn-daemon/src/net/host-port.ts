/** TCP addresses as Go's `net` package reads them: `host:port`, `[v6]:port`, `:port`, named ports. */
import { readFileSync } from 'node:fs'

/** An address that does not parse; the message names it and what is wrong. */
export class ListenAddressError extends Error {
  override name = 'ListenAddressError'
}

export interface HostPort {
  /** Undefined for `:port` (Go: every interface when listening, the local host when dialing). */
  host: string | undefined
  port: number
}

/**
 * A TCP address with a numeric port, as Go's `net.Dial`/`net.Listen` take it.
 *
 * @param what - names the address in the error, e.g. `service address`
 * @throws ListenAddressError naming the problem
 */
export function parseHostPort (text: string, what: string): HostPort {
  const parts = splitHostPort(text, what)
  const port = Number(parts.port)
  if (!/^\d{1,5}$/.test(parts.port) || port > 65535) throw new ListenAddressError(`invalid ${what} "${text}": bad port "${parts.port}"`)
  return { host: parts.host === '' ? undefined : parts.host, port }
}

/**
 * Go `net.SplitHostPort`: the host (brackets removed, may be empty) and the port text.
 *
 * @param what - names the address in the error, e.g. `--listen`
 *
 * @throws ListenAddressError naming the address
 */
export function splitHostPort (address: string, what: string = 'address'): { host: string, port: string } {
  const invalid = (reason: string): ListenAddressError => new ListenAddressError(`invalid ${what} ${JSON.stringify(address)}: ${reason}`)
  const colon = address.lastIndexOf(':')
  if (colon < 0) throw invalid('missing port')
  let host = address.slice(0, colon)
  if (host.startsWith('[')) {
    if (!host.endsWith(']')) throw invalid("missing ']'")
    host = host.slice(1, -1)
  } else if (host.includes(':')) {
    throw invalid('too many colons (IPv6 hosts need brackets)')
  }
  return { host, port: address.slice(colon + 1) }
}

/** Go's own table, used when `/etc/services` lacks a name (net/lookup.go). */
const GO_SERVICES: Readonly<Record<string, number>> = {
  ftp: 21, ftps: 990, gopher: 70, http: 80, https: 443, imap2: 143, imap3: 220, imaps: 993, pop3: 110, pop3s: 995,
  smtp: 25, submissions: 465, ssh: 22, telnet: 23
}

/**
 * Go `net.LookupPort("tcp", text)`: a decimal port, or a service name from `/etc/services`
 * (names and aliases, case-insensitive) or Go's built-in table.
 *
 * @throws ListenAddressError for an unknown name or a number out of range
 */
export function lookupPort (text: string, servicesFile: string = '/etc/services'): number {
  if (/^\d+$/.test(text)) {
    const port = Number(text)
    if (port > 65535) throw new ListenAddressError(`port ${text} is out of range`)
    return port
  }
  const name = text.toLowerCase()
  const port = tcpServices(servicesFile).get(name) ?? GO_SERVICES[name]
  if (port === undefined) throw new ListenAddressError(`unknown port ${JSON.stringify(text)}`)
  return port
}

function tcpServices (file: string): Map<string, number> {
  const services = new Map<string, number>()
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    return services
  }
  for (const line of text.split('\n')) {
    // `name  port/proto  aliases...  # comment`
    const [name, portProto, ...aliases] = line.replace(/#.*/, '').trim().split(/\s+/)
    const match = /^(\d+)\/tcp$/.exec(portProto ?? '')
    if (match === null) continue
    for (const alias of [name, ...aliases]) {
      if (!services.has(alias.toLowerCase())) services.set(alias.toLowerCase(), Number(match[1]))
    }
  }
  return services
}
