import { lookup as dnsLookup } from 'node:dns/promises'
import { BlockList, isIP } from 'node:net'
import { ipFamily } from '@edgevpn/go-compat'
import type { LookupAddress } from 'node:dns'
import type { LookupFunction } from 'node:net'

/** The egress refused a destination: it resolves to an address the guard blocks. */
export class BlockedTargetError extends Error {
  override name = 'BlockedTargetError'
}

/** A subnet to block is not in CIDR form. */
export class InvalidSubnetError extends Error {
  override name = 'InvalidSubnetError'
}

/** Ranges no egress should reach for a peer unless told to: the egress host and its LANs. */
const PRIVATE_RANGES: ReadonlyArray<readonly [string, number, 'ipv4' | 'ipv6']> = [
  ['0.0.0.0', 8, 'ipv4'], // "this network", 0.0.0.0 reaches the local host
  ['10.0.0.0', 8, 'ipv4'],
  ['100.64.0.0', 10, 'ipv4'], // carrier-grade NAT
  ['127.0.0.0', 8, 'ipv4'],
  ['169.254.0.0', 16, 'ipv4'], // link-local, cloud metadata services
  ['172.16.0.0', 12, 'ipv4'],
  ['192.168.0.0', 16, 'ipv4'],
  ['224.0.0.0', 4, 'ipv4'], // multicast
  ['240.0.0.0', 4, 'ipv4'], // reserved, broadcast
  ['::', 128, 'ipv6'],
  ['::1', 128, 'ipv6'],
  ['fc00::', 7, 'ipv6'], // unique local
  ['fe80::', 10, 'ipv6'], // link-local
  ['ff00::', 8, 'ipv6'] // multicast
]

export interface TargetGuardInit {
  /**
   * Let peers reach loopback, link-local, private (RFC 1918, unique-local, CGNAT) and the VPN's
   * own addresses through the egress. Off, such destinations get a 403: an egress is meant to
   * reach the Internet, not the services of the host and LAN it runs on.
   *
   * @default false
   */
  allowPrivate?: boolean
  /** Subnets blocked even with `allowPrivate` off, in CIDR form: the VPN's, e.g. `10.1.0.0/24`. */
  blockedSubnets?: string[]
  /** Name resolution. @default `dns.lookup` with all addresses */
  resolve?: (host: string) => Promise<LookupAddress[]>
}

/**
 * Decides which destinations an egress may connect to, after name resolution (connect to what
 * it returns with {@link pinnedLookup}).
 */
export class TargetGuard {
  readonly #blocked: BlockList | undefined
  readonly #resolve: (host: string) => Promise<LookupAddress[]>

  constructor (init: TargetGuardInit = {}) {
    this.#resolve = init.resolve ?? (async host => await dnsLookup(host, { all: true }))
    if (init.allowPrivate === true) return
    const blocked = new BlockList()
    for (const [network, prefix, family] of PRIVATE_RANGES) blocked.addSubnet(network, prefix, family)
    for (const cidr of init.blockedSubnets ?? []) {
      const [network, prefix = '', ...rest] = cidr.split('/')
      const family = ipFamily(network)
      const bits = Number(prefix)
      if (family === undefined || rest.length > 0 || !/^\d+$/.test(prefix) || bits > (family === 6 ? 128 : 32)) {
        throw new InvalidSubnetError(`blocked subnet ${JSON.stringify(cidr)} is not an address/prefix (e.g. 10.1.0.0/24)`)
      }
      blocked.addSubnet(network, bits, family === 6 ? 'ipv6' : 'ipv4')
    }
    this.#blocked = blocked
  }

  /**
   * The addresses of `host` (a name or an IP literal) the egress may connect to.
   *
   * @throws BlockedTargetError when every address of the host is blocked
   */
  async addresses (host: string): Promise<LookupAddress[]> {
    const bare = host.replace(/^\[(.*)\]$/, '$1')
    const family = isIP(bare)
    const all = family === 0 ? await this.#resolve(bare) : [{ address: bare, family }]
    const allowed = all.filter(({ address, family }) => this.#blocked?.check(address, family === 6 ? 'ipv6' : 'ipv4') !== true)
    if (allowed.length === 0) throw new BlockedTargetError(`destination ${host} (${all.map(a => a.address).join(', ')}) is not allowed through this egress`)
    return allowed
  }
}

/**
 * A `lookup` option for `net.connect`/`http.request` that answers with addresses checked before,
 * so that a name cannot resolve to something else between the check and the connection. (Node
 * skips `lookup` for IP literals, which {@link TargetGuard.addresses} has checked too.)
 */
export function pinnedLookup (addresses: readonly LookupAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    const wanted = options.family === 4 || options.family === 6 ? addresses.filter(a => a.family === options.family) : addresses
    if (wanted.length === 0) {
      callback(new BlockedTargetError(`destination has no allowed IPv${String(options.family)} address`), '', 4)
    } else if (options.all === true) {
      // Node's overloads type the callback for single answers only.
      (callback as unknown as (err: null, all: readonly LookupAddress[]) => void)(null, wanted)
    } else {
      callback(null, wanted[0].address, wanted[0].family)
    }
  }
}
