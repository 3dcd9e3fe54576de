/**
 * Whether two listen addresses would bind the same socket (Go edgevpn `cmd/proxy.go`
 * `listenersConflict`), so that `proxy --listen` and `--api-listen` are checked before startup.
 */
import { lookup } from 'node:dns/promises'
import { isIP } from 'node:net'
import { lookupPort, splitHostPort } from '../../net/host-port.js'

type Resolved =
  | { readonly kind: 'unix', readonly path: string }
  | { readonly kind: 'tcp', readonly port: number, readonly addresses: readonly string[] | 'any' }

/** Resolves a host name to its addresses (for `localhost` and other names). */
export type HostResolver = (host: string) => Promise<string[]>

const UNIX_SCHEME = 'unix://'

/**
 * True when `a` and `b` name the same unix socket path, or the same TCP port on a shared address
 * after resolving host names and service port names (`http-alt`), with a wildcard host (``,
 * `0.0.0.0`, `::`) covering every address. A unix socket never conflicts with TCP. Addresses that
 * do not resolve conflict only when their texts are equal (binding will report them anyway).
 */
export async function listenersConflict (a: string, b: string, resolveHost: HostResolver = resolveAll): Promise<boolean> {
  let first: Resolved
  let second: Resolved
  try {
    [first, second] = await Promise.all([resolveListen(a, resolveHost), resolveListen(b, resolveHost)])
  } catch {
    return a === b
  }
  if (first.kind === 'unix' || second.kind === 'unix') return first.kind === 'unix' && second.kind === 'unix' && first.path === second.path
  if (first.port !== second.port) return false
  if (first.addresses === 'any' || second.addresses === 'any') return true
  const others = new Set(second.addresses)
  return first.addresses.some(address => others.has(address))
}

async function resolveListen (address: string, resolveHost: HostResolver): Promise<Resolved> {
  if (address.startsWith(UNIX_SCHEME)) return { kind: 'unix', path: address.slice(UNIX_SCHEME.length) }
  const { host, port: portText } = splitHostPort(address)
  const port = lookupPort(portText)
  if (host === '' || isUnspecified(host)) return { kind: 'tcp', port, addresses: 'any' }
  const addresses = isIP(host) === 0 ? await resolveHost(host) : [host]
  return { kind: 'tcp', port, addresses: addresses.map(canonicalAddress) }
}

async function resolveAll (host: string): Promise<string[]> {
  return (await lookup(host, { all: true })).map(entry => entry.address)
}

function isUnspecified (host: string): boolean {
  const canonical = canonicalAddress(host)
  return canonical === '0.0.0.0' || canonical === '::'
}

/** One spelling per IP address: IPv6 compressed, IPv4-mapped IPv6 as IPv4 (Go's `IP.Equal`). */
function canonicalAddress (address: string): string {
  if (isIP(address) !== 6) return address
  const compressed = new URL(`http://[${address}]/`).hostname.slice(1, -1)
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(compressed)
  if (mapped === null) return compressed
  const [high, low] = [parseInt(mapped[1], 16), parseInt(mapped[2], 16)]
  return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`
}
