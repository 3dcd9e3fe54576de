import { ApiListenError } from './errors.js'

/** The `unix://` prefix that selects a unix socket instead of a TCP address. */
export const UNIX_SOCKET_SCHEME = 'unix://'

/** Mode of an API unix socket when `APILISTENUNIXMODE` is empty or invalid: owner and group only. */
export const DEFAULT_SOCKET_MODE = 0o660

export type ListenAddress =
  | { readonly kind: 'tcp', readonly host: string | undefined, readonly port: number }
  | { readonly kind: 'unix', readonly path: string }

/**
 * Parses an API listen address: `unix:///path/to.sock`, or TCP `host:port` as Go's `net.Listen`
 * reads it (`:8080` listens on every interface, IPv6 hosts in brackets).
 *
 * @throws ApiListenError naming the problem
 */
export function parseListenAddress (text: string): ListenAddress {
  if (text.startsWith(UNIX_SOCKET_SCHEME)) {
    const path = text.slice(UNIX_SOCKET_SCHEME.length)
    if (path === '') throw new ApiListenError(`invalid API listen address "${text}": empty socket path`)
    return { kind: 'unix', path }
  }
  const colon = text.lastIndexOf(':')
  if (colon < 0) throw new ApiListenError(`invalid API listen address "${text}": missing port`)
  let host = text.slice(0, colon)
  const portText = text.slice(colon + 1)
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1)
  else if (host.includes(':')) throw new ApiListenError(`invalid API listen address "${text}": IPv6 hosts need brackets`)
  const port = Number(portText)
  if (!/^\d{1,5}$/.test(portText) || port > 65535) {
    throw new ApiListenError(`invalid API listen address "${text}": bad port "${portText}"`)
  }
  return { kind: 'tcp', host: host === '' ? undefined : host, port }
}

/**
 * The permission bits of `APILISTENUNIXMODE`, octal with or without a leading `0` or `0o`
 * (`0600`, `600`, `0o600`). Empty or invalid text gives {@link DEFAULT_SOCKET_MODE}, so a typo
 * cannot widen access.
 */
export function parseSocketMode (text: string | undefined): number {
  const digits = (text ?? '').trim().replace(/^0[oO]/, '')
  if (!/^[0-7]+$/.test(digits)) return DEFAULT_SOCKET_MODE
  // Go accumulates into a uint32 and then keeps the permission bits
  return Number(BigInt.asUintN(32, BigInt(`0o${digits}`)) & 0o777n)
}
