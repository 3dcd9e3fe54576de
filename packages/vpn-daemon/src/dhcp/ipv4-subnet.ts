/** The IPv4 subnet DHCP hands addresses out of. */

import { formatIPv4, parseIPv4 } from '@edgevpn/go-compat'
import { DhcpConfigError } from './dhcp-config-error.js'

/**
 * The subnet `base/prefixLength`. Host addresses are the ones strictly between the network and
 * the broadcast address, hence prefixes up to /30.
 */
export class Ipv4Subnet {
  readonly network: number
  readonly prefixLength: number
  readonly size: number

  /** @throws DhcpConfigError when `base` is no IPv4 address or the prefix is not 0..30 */
  constructor (base: string, prefixLength: number) {
    const address = parseIPv4(base)
    if (address === undefined) throw new DhcpConfigError(`DHCP base address "${base}" is not an IPv4 address (DHCP supports IPv4 only)`)
    if (!Number.isInteger(prefixLength) || prefixLength < 0 || prefixLength > 30) {
      throw new DhcpConfigError(`DHCP prefix length ${prefixLength} must be an integer from 0 to 30`)
    }
    this.prefixLength = prefixLength
    this.size = 2 ** (32 - prefixLength)
    this.network = address - (address % this.size)
  }

  /** Whether `address` is in the subnet and neither its network nor its broadcast address. */
  isHost (address: number): boolean {
    return address > this.network && address < this.network + this.size - 1
  }

  /** {@link isHost} for Go IP text (a non-canonical form such as `010.1.0.1` is no host). */
  isHostText (text: string): boolean {
    const address = parseIPv4(text)
    return address !== undefined && this.isHost(address)
  }

  /**
   * The first host address, from `start` upward and wrapping around the subnet, that `usable`
   * accepts; undefined when there is none.
   */
  firstHost (start: number, usable: (text: string) => boolean): string | undefined {
    const offset = this.isHost(start) ? start - this.network : 1
    for (let i = 0; i < this.size; i++) {
      const address = this.network + ((offset + i) % this.size)
      if (!this.isHost(address)) continue
      const text = formatIPv4(address)
      if (usable(text)) return text
    }
    return undefined
  }

  toString (): string {
    return `${formatIPv4(this.network)}/${this.prefixLength}`
  }
}
