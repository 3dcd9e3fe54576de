import { UNIX_SOCKET_SCHEME } from '@edgevpn/api-client'
import { ListenAddressError, parseHostPort } from '../net/host-port.js'
import { ApiListenError } from './errors.js'

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
  try {
    return { kind: 'tcp', ...parseHostPort(text, 'API listen address') }
  } catch (err) {
    if (err instanceof ListenAddressError) throw new ApiListenError(err.message)
    throw err
  }
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
