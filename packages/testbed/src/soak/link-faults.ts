/**
 * Network faults on a lab host's underlay link, made with iptables inside the host's namespace
 * (this kernel has no `sch_netem`): a cut drops every packet in and out of `eth0`, packet loss
 * drops each with a probability. Rules live in a `FAULT` chain of the namespace, so healing is a
 * flush and removing the namespace removes them.
 */
import { execFileSync } from 'node:child_process'
import type { LabHost, NetnsLab } from '../lab/netns-lab.js'

const CHAIN = 'FAULT'

/** Why faults cannot be injected here, or `undefined` when they can. */
export function linkFaultsUnavailableReason (): string | undefined {
  try {
    execFileSync('iptables', ['--version'], { stdio: 'ignore' })
    return undefined
  } catch {
    return 'iptables is not installed (Debian package iptables)'
  }
}

export class LinkFaults {
  readonly #lab: NetnsLab
  readonly #prepared = new Set<string>()

  constructor (lab: NetnsLab) {
    this.#lab = lab
  }

  /** Drops every packet to and from `host`'s underlay until {@link LinkFaults.heal}. */
  async cut (host: LabHost): Promise<void> {
    await this.#replace(host, ['-j', 'DROP'])
  }

  /** Drops each packet to and from `host`'s underlay with `probability` (0..1) until {@link LinkFaults.heal}. */
  async loss (host: LabHost, probability: number): Promise<void> {
    if (!(probability > 0 && probability < 1)) throw new RangeError(`packet loss probability ${probability} is not between 0 and 1`)
    await this.#replace(host, ['-m', 'statistic', '--mode', 'random', '--probability', String(probability), '-j', 'DROP'])
  }

  /** Removes the host's fault: its link works again. */
  async heal (host: LabHost): Promise<void> {
    await this.#prepare(host)
    await this.#iptables(host, ['-F', CHAIN])
  }

  async #replace (host: LabHost, rule: string[]): Promise<void> {
    await this.heal(host)
    await this.#iptables(host, ['-A', CHAIN, ...rule])
  }

  async #prepare (host: LabHost): Promise<void> {
    if (this.#prepared.has(host.netns)) return
    await this.#iptables(host, ['-N', CHAIN])
    await this.#iptables(host, ['-I', 'INPUT', '-i', 'eth0', '-j', CHAIN])
    await this.#iptables(host, ['-I', 'OUTPUT', '-o', 'eth0', '-j', CHAIN])
    this.#prepared.add(host.netns)
  }

  async #iptables (host: LabHost, args: string[]): Promise<void> {
    await this.#lab.exec(host, 'iptables', ['-w', ...args])
  }
}
