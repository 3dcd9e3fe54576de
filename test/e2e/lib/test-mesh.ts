/**
 * A lab of network-namespace hosts running real `edgevpn` daemons of one network, for the
 * end-to-end tests: each daemon listens on its host's underlay address, finds the others with
 * mDNS (no DHT: the lab has no internet) and runs in a UTS namespace named `node-<n>`.
 */
import { execFileSync } from 'node:child_process'
import { encodeToken, generateNetworkConfig } from '@edgevpn/mesh-core'
import { tunUnavailableReason } from '@edgevpn/tun'
import { createNetnsLab, netnsUnavailableReason } from '@edgevpn/testbed/lab'
import { LabDaemon, pingUntilUp } from '@edgevpn/testbed/lab/tools'
import type { LabHost, NetnsLab } from '@edgevpn/testbed/lab'

/** Why the end-to-end tests cannot run here, or `undefined` when they can. */
export function e2eUnavailableReason (): string | undefined {
  const missing = ['ping', 'dig'].filter(command => !hasCommand(command))
  if (missing.length > 0) return `${missing.join(' and ')} not installed (scripts/test-deps.sh installs them)`
  return netnsUnavailableReason() ?? tunUnavailableReason()
}

function hasCommand (command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

export interface TestMeshInit {
  /** Prefix of the lab's namespaces and links: `evt…`, at most 8 characters. */
  prefix: string
  hosts: number
  /** First three octets of the underlay /24, distinct per test file. */
  subnet: string
}

export class TestMesh {
  readonly lab: NetnsLab
  readonly token: string
  /** The daemon last started on each host, by host index. */
  readonly daemons: Array<LabDaemon | undefined>

  private constructor (lab: NetnsLab) {
    this.lab = lab
    this.token = encodeToken(generateNetworkConfig({ interval: 360n }))
    this.daemons = lab.hosts.map(() => undefined)
  }

  static async create (init: TestMeshInit): Promise<TestMesh> {
    return new TestMesh(await createNetnsLab(init))
  }

  get hosts (): LabHost[] {
    return this.lab.hosts
  }

  /**
   * Starts `edgevpn` with `args` on host `index` (0-based) as `node-<index + 1>`, logging at
   * info, listening on `port` of the host's underlay address (0: any free port).
   */
  start (index: number, args: string[], port: number = 0): LabDaemon {
    const host = this.lab.hosts[index]
    const name = `node-${index + 1}`
    const daemon = new LabDaemon(this.lab, host, {
      name,
      hostname: name,
      args: ['--token', this.token, '--listen-maddrs', `/ip4/${host.address}/tcp/${port}`, '--dht=false', '--log-level', 'info', ...args]
    })
    this.daemons[index] = daemon
    return daemon
  }

  /**
   * Pings every ordered pair of hosts over the VPN (`addresses[i]` is host i's VPN address), each
   * until it answers or `timeoutMs` after the call; returns the round trips in ms, `[from][to]`.
   */
  async pingAllPairs (addresses: string[], timeoutMs: number): Promise<number[][]> {
    const deadline = Date.now() + timeoutMs
    const rtts: number[][] = []
    for (const [i, from] of this.hosts.entries()) {
      rtts.push([])
      for (const [j, address] of addresses.entries()) {
        rtts[i].push(i === j ? 0 : await pingUntilUp(this.lab, from, address, Math.max(0, deadline - Date.now())))
      }
    }
    return rtts
  }

  /** Kills every daemon and process of the lab and removes its namespaces. */
  async destroy (): Promise<void> {
    await this.lab.destroy()
  }
}

/** A ping matrix as one line for the test log, e.g. `1→2 0.31 ms, 1→3 0.28 ms, …`. */
export function formatRtts (rtts: number[][]): string {
  return rtts.flatMap((row, i) => row.flatMap((ms, j) => i === j ? [] : [`${i + 1}→${j + 1} ${ms.toFixed(2)} ms`])).join(', ')
}
