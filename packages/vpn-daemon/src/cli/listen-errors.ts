/**
 * A listener that cannot bind, named after the flag that set its address: `--dns 127.0.0.1:5353:
 * the port is in use by avahi-daemon (pid 612); ...` instead of `bind EADDRINUSE 127.0.0.1:5353`.
 */
import { UsageError } from '@edgevpn/go-cli'
import { portHolder } from '../net/port-holder.js'

const BIND_FAILURES = /\b(EADDRINUSE|EACCES|EADDRNOTAVAIL)\b/
/** mDNS discovery's port, which this process holds itself with `--mdns` (the default). */
const MDNS_PORT = 5353

export interface Listener {
  /** The flag, or the command whose argument it is, e.g. `--dns`, `--listen-maddrs`, `service-connect`. */
  flag: string
  /** The address as the user wrote it. */
  address: string
  protocols: ReadonlyArray<'tcp' | 'udp'>
  port: number
}

/**
 * Runs `start`; a bind failure it throws becomes a {@link UsageError} that names the flag, the
 * address and, for a busy port, what holds it. Other errors pass unchanged.
 */
export async function listening<T> (listener: Listener | undefined | ((err: unknown) => Listener | undefined), start: () => Promise<T>): Promise<T> {
  try {
    return await start()
  } catch (err) {
    const failed = typeof listener === 'function' ? listener(err) : listener
    const message = failed === undefined ? undefined : bindFailure(failed, err)
    throw message === undefined ? err : new UsageError(message)
  }
}

/** The one-line explanation of a bind failure `err` of `listener`, or undefined for other errors. */
export function bindFailure (listener: Listener, err: unknown): string | undefined {
  const code = BIND_FAILURES.exec(errorText(err))?.[1]
  const where = `${listener.flag} ${listener.address}`
  switch (code) {
    case 'EADDRINUSE': return `${where}: the port is in use by ${holderText(listener)}; pick another address or stop what holds it`
    case 'EACCES': return `${where}: permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE)`
    case 'EADDRNOTAVAIL': return `${where}: no interface of this host has that address`
    default: return undefined
  }
}

/** The listener of `flag` at `host:port` (`[v6]:port`, `:port`); undefined for a unix socket. */
export function listenerAt (flag: string, address: string, protocols: Listener['protocols']): Listener | undefined {
  if (address.startsWith('unix://')) return undefined
  return { flag, address, protocols, port: Number(address.slice(address.lastIndexOf(':') + 1)) }
}

/** The fast channel's `--vpn-fast-port` when the VPN failed to listen on it (0 picks a free port). */
export function fastPortFailure (port: number): (err: unknown) => Listener | undefined {
  return err => port > 0 && err instanceof Error && /^listen E/.test(err.message)
    ? { flag: '--vpn-fast-port', address: String(port), protocols: ['tcp'], port }
    : undefined
}

/** The `--listen-maddrs` entry that libp2p's error says it could not listen on. */
export function failedListenMaddr (err: unknown): Listener | undefined {
  const match = /(\/ip[46]\/[^\s/]+\/(tcp|udp)\/(\d+)\S*?): Error: /.exec(err instanceof Error ? err.message : '')
  if (match === null) return undefined
  return { flag: '--listen-maddrs', address: match[1], protocols: [match[2] as 'tcp' | 'udp'], port: Number(match[3]) }
}

function holderText ({ protocols, port }: Listener): string {
  for (const protocol of protocols) {
    const holder = portHolder(protocol, port)
    if (holder === undefined) continue
    if (holder.pid !== process.pid) return `${holder.command} (pid ${holder.pid})`
    return port === MDNS_PORT ? 'this edgevpn itself, for mDNS discovery (--mdns=false frees it)' : 'this edgevpn itself (another of its listeners)'
  }
  return 'another process'
}

/** The messages of an error, its causes and, for an AggregateError, its errors. */
function errorText (err: unknown): string {
  if (!(err instanceof Error)) return String(err)
  const parts = [err.message, (err as NodeJS.ErrnoException).code ?? '']
  if (err.cause !== undefined) parts.push(errorText(err.cause))
  if (err instanceof AggregateError) parts.push(...err.errors.map(errorText))
  return parts.join(' ')
}
