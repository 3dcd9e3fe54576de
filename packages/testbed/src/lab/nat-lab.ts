/**
 * A lab "internet" with NAT: one public host and routers on a shared segment, and behind each
 * router one host on its own LAN. Each router masquerades its LAN and drops unsolicited inbound
 * packets (only conntrack-established flows come in), like a home router.
 *
 * The internet segment uses addresses that libp2p does not count as private (11.0.0.0/24 by
 * default), because libp2p only hole-punches to public addresses. They never leave the lab:
 * no namespace has a route out of it — routers and the public host only know the segment
 * itself, and the NATed hosts' default route ends at their router.
 */
import { checkPrefix, createLabRuntime, destroyLeftovers, ip, run } from './lab-runtime.js'
import type { LabHost, LabRuntime } from './lab-runtime.js'

/**
 * - `port-restricted`: MASQUERADE keeping source ports where it can (the same public port for
 *   every destination, what hole punching needs)
 * - `symmetric`: MASQUERADE `--random-fully`, a fresh random public port per connection
 */
export type NatMapping = 'port-restricted' | 'symmetric'

export interface NatLabInit {
  /** Prefix of every namespace and link, at most 8 characters, e.g. `evt-n`. */
  prefix: string
  /** How the routers map ports. */
  mapping: NatMapping
  /** Number of NATed hosts, each behind its own router. @default 2 */
  natted?: number
  /** First three octets of the internet /24. @default '11.0.0' */
  internet?: string
}

export interface NatLab extends LabRuntime {
  /** The host with a public address (e.g. the relay). */
  public: LabHost
  /** The hosts behind NAT; `address` is their LAN address, unreachable from outside. */
  natted: LabHost[]
  /** The routers, in the order of `natted`; `address` is their public address. */
  routers: LabHost[]
  /** Every host with a public address: the public host then the routers. */
  hosts: LabHost[]
}

export async function createNatLab (init: NatLabInit): Promise<NatLab> {
  checkPrefix(init.prefix)
  const net = init.internet ?? '11.0.0'
  const count = init.natted ?? 2
  const switchNs = `${init.prefix}-net`
  const publicHost: LabHost = { netns: `${init.prefix}-pub`, address: `${net}.100` }
  const routers: LabHost[] = Array.from({ length: count }, (_, i) => ({ netns: `${init.prefix}-r${i + 1}`, address: `${net}.${i + 1}` }))
  const natted: LabHost[] = Array.from({ length: count }, (_, i) => ({ netns: `${init.prefix}-h${i + 1}`, address: `10.${i + 1}.0.2` }))
  const runtime = createLabRuntime([...natted, ...routers, publicHost].map(host => host.netns).concat(switchNs))

  /** A namespace on the internet switch, its `eth0` at `address`. */
  const attach = async (host: LabHost, link: string): Promise<void> => {
    await ip('netns', 'add', host.netns)
    await ip('-n', host.netns, 'link', 'set', 'lo', 'up')
    await ip('link', 'add', link, 'netns', switchNs, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', host.netns)
    await ip('-n', switchNs, 'link', 'set', link, 'master', 'br0', 'up')
    await ip('-n', host.netns, 'addr', 'add', `${host.address}/24`, 'dev', 'eth0')
    await ip('-n', host.netns, 'link', 'set', 'eth0', 'up')
  }
  const iptables = async (host: LabHost, ...args: string[]): Promise<void> => {
    await run('ip', ['netns', 'exec', host.netns, 'iptables', '-w', ...args])
  }

  try {
    await destroyLeftovers(init.prefix)
    await ip('netns', 'add', switchNs)
    await ip('-n', switchNs, 'link', 'add', 'br0', 'type', 'bridge')
    await ip('-n', switchNs, 'link', 'set', 'br0', 'up')
    await attach(publicHost, `${init.prefix}-vpub`)
    for (const [i, router] of routers.entries()) {
      const host = natted[i]
      const lan = `10.${i + 1}.0`
      await attach(router, `${init.prefix}-vr${i + 1}`)
      await ip('netns', 'add', host.netns)
      await ip('-n', host.netns, 'link', 'set', 'lo', 'up')
      await ip('link', 'add', 'lan0', 'netns', router.netns, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', host.netns)
      await ip('-n', router.netns, 'addr', 'add', `${lan}.1/24`, 'dev', 'lan0')
      await ip('-n', router.netns, 'link', 'set', 'lan0', 'up')
      await ip('-n', host.netns, 'addr', 'add', `${host.address}/24`, 'dev', 'eth0')
      await ip('-n', host.netns, 'link', 'set', 'eth0', 'up')
      await ip('-n', host.netns, 'route', 'add', 'default', 'via', `${lan}.1`)
      await run('ip', ['netns', 'exec', router.netns, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1'])
      await iptables(router, '-t', 'nat', '-A', 'POSTROUTING', '-o', 'eth0', '-j', 'MASQUERADE', ...(init.mapping === 'symmetric' ? ['--random-fully'] : []))
      for (const chain of ['FORWARD', 'INPUT']) {
        await iptables(router, '-A', chain, '-i', 'eth0', '-m', 'conntrack', '--ctstate', 'ESTABLISHED,RELATED', '-j', 'ACCEPT')
        await iptables(router, '-A', chain, '-i', 'eth0', '-j', 'DROP')
      }
    }
  } catch (err) {
    await runtime.destroy()
    throw err
  }

  return { ...runtime, public: publicHost, natted, routers, hosts: [publicHost, ...routers] }
}
