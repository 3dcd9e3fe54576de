import { readFileSync } from 'node:fs'
import { networkInterfaces } from 'node:os'
import { parseIPv4 } from '@edgevpn/go-compat'

/** An IPv4 interface mDNS can use: its name, address and prefix length. */
export interface LanInterface {
  name: string
  address: string
  prefixLength: number
}

// Linux `IFF_*` bits of /sys/class/net/<name>/flags.
const IFF_UP = 0x1
const IFF_LOOPBACK = 0x8
const IFF_POINTOPOINT = 0x10
const IFF_MULTICAST = 0x1000

/**
 * The interfaces to send mDNS on, like Go's zeroconf: every IPv4 interface that is up and
 * multicast-capable, whatever the routing table says (an isolated cluster LAN has no default
 * route; a board's default route may leave by its WAN port). Point-to-point links (the VPN's own
 * TUN, other tunnels) are not LANs and are left out. Loopback is used only when nothing else is
 * there, so nodes in one otherwise empty network namespace still find each other.
 */
export function lanInterfaces (): LanInterface[] {
  const found: LanInterface[] = []
  let loopback: LanInterface | undefined
  for (const [name, addresses] of Object.entries(networkInterfaces())) {
    const ipv4 = addresses?.find(address => address.family === 'IPv4')
    if (ipv4 === undefined) continue
    const entry = { name, address: ipv4.address, prefixLength: Number(ipv4.cidr?.split('/')[1] ?? 32) }
    const flags = interfaceFlags(name)
    if (ipv4.internal || (flags !== undefined && (flags & IFF_LOOPBACK) !== 0)) {
      loopback ??= entry
      continue
    }
    // without /sys (another OS, or a namespace whose /sys is the host's), trust the address
    if (flags !== undefined && ((flags & IFF_UP) === 0 || (flags & IFF_MULTICAST) === 0 || (flags & IFF_POINTOPOINT) !== 0)) continue
    found.push(entry)
  }
  return found.length > 0 || loopback === undefined ? found : [loopback]
}

/** Whether `address` (IPv4 text) lies in the interface's subnet. */
export function onInterfaceSubnet (lan: LanInterface, address: string): boolean {
  const mask = lan.prefixLength === 0 ? 0 : (~0 << (32 - lan.prefixLength)) >>> 0
  const own = parseIPv4(lan.address)
  const other = parseIPv4(address)
  return own !== undefined && other !== undefined && ((own & mask) >>> 0) === ((other & mask) >>> 0)
}

function interfaceFlags (name: string): number | undefined {
  try {
    const flags = Number.parseInt(readFileSync(`/sys/class/net/${name}/flags`, 'utf8').trim(), 16)
    return Number.isNaN(flags) ? undefined : flags
  } catch {
    return undefined
  }
}
