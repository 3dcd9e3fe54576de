/**
 * A throwaway network of hosts on one machine: one network namespace per host, each with an
 * `eth0` veth whose peer sits on a bridge in a switch namespace. Used by the demo, the
 * end-to-end tests and the benchmarks. Everything it creates carries its prefix, and
 * `destroy()` removes it, and every process started through it, even after a failure.
 * {@link createNatLab} builds hosts behind NAT routers instead.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { checkPrefix, createLabRuntime, destroyLeftovers, ip } from './lab-runtime.js'
import type { LabHost, LabRuntime } from './lab-runtime.js'

export { stopProcess } from './lab-runtime.js'
export type { LabHost } from './lab-runtime.js'
export { createNatLab } from './nat-lab.js'
export type { NatLab, NatLabInit, NatMapping } from './nat-lab.js'

export interface NetnsLabInit {
  /** Prefix of every namespace and link, at most 8 characters, e.g. `evd`. */
  prefix: string
  /** Number of hosts. */
  hosts: number
  /** First three octets of the underlay /24. @default '10.254.0' */
  subnet?: string
}

export interface NetnsLab extends LabRuntime {
  hosts: LabHost[]
}

/** Why a lab cannot be built here, or `undefined` when it can (root and `ip` are needed). */
export function netnsUnavailableReason (): string | undefined {
  if (process.getuid?.() !== 0) return 'network namespaces need root'
  return undefined
}

export async function createNetnsLab (init: NetnsLabInit): Promise<NetnsLab> {
  checkPrefix(init.prefix)
  const subnet = init.subnet ?? '10.254.0'
  const switchNs = `${init.prefix}-sw`
  const hosts: LabHost[] = Array.from({ length: init.hosts }, (_, i) => ({ netns: `${init.prefix}-${i + 1}`, address: `${subnet}.${i + 1}` }))
  const runtime = createLabRuntime([...hosts.map(h => h.netns), switchNs])

  try {
    await destroyLeftovers(init.prefix)
    await ip('netns', 'add', switchNs)
    await ip('-n', switchNs, 'link', 'add', 'br0', 'type', 'bridge')
    await ip('-n', switchNs, 'link', 'set', 'br0', 'up')
    for (const [i, host] of hosts.entries()) {
      const outside = `${init.prefix}-v${i + 1}`
      await ip('netns', 'add', host.netns)
      await ip('link', 'add', outside, 'netns', switchNs, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', host.netns)
      await ip('-n', switchNs, 'link', 'set', outside, 'master', 'br0', 'up')
      await ip('-n', host.netns, 'addr', 'add', `${host.address}/24`, 'dev', 'eth0')
      await ip('-n', host.netns, 'link', 'set', 'eth0', 'address', hostMac(i))
      await ip('-n', host.netns, 'link', 'set', 'eth0', 'up')
      await ip('-n', host.netns, 'link', 'set', 'lo', 'up')
    }
    await addPermanentNeighbours(hosts)
  } catch (err) {
    await runtime.destroy()
    throw err
  }

  return { hosts, ...runtime }
}

/** A locally administered MAC per host, unique on the lab's bridge. */
function hostMac (index: number): string {
  return `02:ee:00:00:${((index >> 8) & 0xff).toString(16).padStart(2, '0')}:${(index & 0xff).toString(16).padStart(2, '0')}`
}

/**
 * Every host knows every other host's MAC from the start. The kernel keeps one neighbour table
 * for all namespaces (1,024 entries by default, `net.ipv4.neigh.default.gc_thresh3`): a lab of
 * a hundred hosts that each talk to a dozen others overflows it, and then connects fail with
 * EHOSTUNREACH at random, which is the lab's limit, not the software's. Permanent entries do not
 * count against it (Linux 4.19+), and they spare the bridge the ARP broadcasts.
 */
async function addPermanentNeighbours (hosts: LabHost[]): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'evt-neigh-'))
  try {
    for (const [i, host] of hosts.entries()) {
      const batch = join(dir, `${i}.batch`)
      writeFileSync(batch, hosts.flatMap((other, j) => j === i ? [] : [`neigh replace ${other.address} lladdr ${hostMac(j)} dev eth0 nud permanent\n`]).join(''))
      await ip('-n', host.netns, '-batch', batch)
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
