/**
 * Address allocation over the ledger (Go `--dhcp`, spec §7.6), compatible with Go nodes and
 * without Go's duplicate addresses and two-node minimum.
 *
 * Design. We always run Go's leader protocol (`dhcp/leader`, `Leader(nodesWithNoIP)`, `NextIP`)
 * rather than a scheme of our own such as hashing the peer ID into the subnet:
 * - Go nodes wait for whichever node is `Leader(nodesWithNoIP)`, TypeScript nodes included; a node
 *   that skipped the protocol would stall them while it is the elected one.
 * - The role hand-off serialises allocations, so nodes joining at once rarely collide at all.
 * - `NextIP` keeps addresses compact from the base; an address hashed high into the subnet would
 *   push Go's "highest + 1" past the broadcast address.
 * - Go peers cannot be told apart from the ledger alone (machines values are byte-identical).
 * On top of it, every chosen address is checked before use (see address-claims.ts): a pending
 * claim is announced, and after a settle period the address is kept only if no other peer holds
 * it in `machines` and no earlier claim of a live peer names it; otherwise the node tries again.
 * A node alone in the mesh, or one that never gets the leader role (e.g. the elected node runs no
 * DHCP), allocates on its own after a bounded wait, with the same check.
 */

import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { BUCKETS, leader, persist } from '@edgevpn/ledger'
import { MachineAnnouncer } from '@edgevpn/vpn'
import { compareClaims, putClaim, readClaims, withdrawClaim } from './address-claims.js'
import { DhcpConfigError } from './dhcp-config-error.js'
import { Ipv4Subnet } from './ipv4-subnet.js'
import { parseIPv4 } from '@edgevpn/go-compat'
import { defaultLeaseDir, readLease, writeLease } from './lease-file.js'
import { machinesView } from './machines-view.js'
import { nextIp } from './next-ip.js'
import type { AddressClaim } from './address-claims.js'
import type { MachinesView } from './machines-view.js'
import type { Announcement, Ledger } from '@edgevpn/ledger'
import type { Logger } from '@edgevpn/mesh-core'

export interface DhcpComponents {
  /** The synchronised ledger; the alive service must be writing this node's heartbeats into it. */
  ledger: Ledger
  /** This node's base58 peer ID (its heartbeat key and machines `PeerID`). */
  peerId: string
  logger: Logger
}

export interface DhcpInit {
  /** Name of the lease file: `dhcpLeaseFileName(networkConfig)` from `@edgevpn/mesh-core`. */
  leaseFileName: string
  /**
   * Go `--lease-dir`: where the lease file lives (created 0700 when missing).
   *
   * @default `$HOME/.edgevpn/leases`
   */
  leaseDir?: string
  /**
   * The IP part of Go `--address`: the first address handed out, and with `prefixLength` the subnet.
   *
   * @default '10.1.0.1'
   */
  baseAddress?: string
  /**
   * Prefix length of the subnet addresses come from, 0 to 30 (Go hard-codes 24). The caller
   * appends it to the returned address.
   *
   * @default 24
   */
  prefixLength?: number
  /**
   * Heartbeat age that still counts a node as alive, in ms (Go's DHCP `maxTime`).
   *
   * @default 900000 (15 minutes)
   */
  maxTimeMs?: number
  /**
   * Wait between two looks at the ledger, in ms (Go sleeps 5 s; the recorded leader's
   * `dhcp/leader` Persist uses it as interval and 3 × it as timeout, like Go's 5 s / 15 s).
   *
   * @default 5000
   */
  pollIntervalMs?: number
  /**
   * How long a node that sees no other live node waits before allocating alone, in ms.
   *
   * @default 10000
   */
  loneWaitMs?: number
  /**
   * How long a node waits for the leader role before allocating on its own, in ms.
   *
   * @default 120000
   */
  leaderWaitMs?: number
  /**
   * Time between announcing a claim and checking it, in ms: two ledger synchronisation rounds at
   * the CLI's 10 s, so a claim whose immediate broadcast was lost still arrives.
   *
   * @default 20000
   */
  settleMs?: number
  /** `Hostname` of the machines entry written for the address. @default os.hostname() */
  hostname?: string
  /** `Version` of the machines entry. @default '' */
  version?: string
  /** Aborting rejects the allocation with the signal's reason and withdraws a pending claim. */
  signal?: AbortSignal
}

/**
 * The VPN address of this node (IPv4, without prefix): the lease file's when it holds a host
 * address of the subnet, else one allocated over the ledger, which is then written to the lease
 * file. Either way the node's machines entry for it is written before this resolves.
 *
 * @throws DhcpConfigError when `baseAddress`, `prefixLength` or `leaseFileName` is invalid
 */
export async function allocateAddress (components: DhcpComponents, init: DhcpInit): Promise<string> {
  const subnet = new Ipv4Subnet(init.baseAddress ?? '10.1.0.1', init.prefixLength ?? 24)
  if (init.leaseFileName === '' || /[/\\]/.test(init.leaseFileName)) {
    throw new DhcpConfigError(`DHCP lease file name "${init.leaseFileName}" must be a plain file name`)
  }
  const leasePath = join(init.leaseDir ?? defaultLeaseDir(), init.leaseFileName)
  const leased = await readLease(leasePath, subnet, components.logger)
  if (leased !== undefined) {
    components.logger.info('using the address of the DHCP lease', { address: leased, file: leasePath })
    await announceMachine(components, init, leased)
    return leased
  }
  const address = await new Allocation(components, init, subnet).run()
  await writeLease(leasePath, address)
  components.logger.info('DHCP address allocated', { address, subnet: subnet.toString(), file: leasePath })
  return address
}

/** Re-claims the address in `machines` at once (the VPN's announcer keeps it there later). */
async function announceMachine (components: DhcpComponents, init: DhcpInit, address: string): Promise<void> {
  await new MachineAnnouncer(components, { addresses: [address], hostname: init.hostname, version: init.version }).announce()
}

/** One run of the allocation loop. */
class Allocation {
  private readonly components: DhcpComponents
  private readonly init: DhcpInit
  private readonly subnet: Ipv4Subnet
  private readonly base: string
  private readonly pollIntervalMs: number
  private readonly maxTimeMs: number
  /** Addresses lost to another claim in this run: not tried again. */
  private readonly lost = new Set<string>()
  private leaderPersist?: Announcement
  private persisting = false
  private claimed = false

  constructor (components: DhcpComponents, init: DhcpInit, subnet: Ipv4Subnet) {
    this.components = components
    this.init = init
    this.subnet = subnet
    this.base = init.baseAddress ?? '10.1.0.1'
    this.pollIntervalMs = init.pollIntervalMs ?? 5_000
    this.maxTimeMs = init.maxTimeMs ?? 900_000
  }

  async run (): Promise<string> {
    try {
      return await this.loop()
    } finally {
      await this.leaderPersist?.stop()
      if (this.claimed) {
        await withdrawClaim(this.components.ledger, this.components.peerId).catch((err: unknown) => {
          this.components.logger.warn('withdrawing the DHCP claim failed', { error: err })
        })
      }
    }
  }

  private async loop (): Promise<string> {
    const { ledger, peerId, logger } = this.components
    const started = Date.now()
    let aloneSince: number | undefined
    for (;;) {
      await this.pause()
      const machines = machinesView(ledger)
      const own = this.ownAddress(machines)
      if (own !== undefined) {
        logger.info('re-using the address of our machines entry', { address: own })
        return own
      }
      const nodes = this.aliveNodes()
      const now = Date.now()
      aloneSince = nodes.length > 1 ? undefined : aloneSince ?? now
      let onOwn = false
      if (aloneSince !== undefined) {
        // Go waits for a second node forever (spec §7.6 step 5); we wait a while for the ledger
        // to fill, so that a node joining a mesh sees its members before it picks
        if (now - aloneSince < (this.init.loneWaitMs ?? 10_000)) continue
        logger.info('no other node is alive: allocating alone')
        onOwn = true
      } else if (now - started >= (this.init.leaderWaitMs ?? 120_000)) {
        logger.info('the DHCP leader role never came to us: allocating on our own')
        onOwn = true
      }
      if (!onOwn && !await this.holdsLeaderRole(nodes, machines)) continue
      const candidate = await this.choose(machines, nodes)
      if (candidate === undefined) {
        logger.warn('no free address left in the DHCP subnet', { subnet: this.subnet.toString() })
        continue
      }
      if (await this.claim(candidate)) {
        await announceMachine(this.components, this.init, candidate)
        return candidate
      }
      this.lost.add(candidate)
      logger.debug('DHCP claim lost, choosing again', { address: candidate, peerId })
    }
  }

  private async pause (): Promise<void> {
    await sleep(this.pollIntervalMs, undefined, { signal: this.init.signal })
  }

  /** Peers with a fresh heartbeat, and always ourselves (our own heartbeat may not be written yet). */
  private aliveNodes (): string[] {
    const nodes = new Set(this.components.ledger.availableNodes(this.maxTimeMs))
    nodes.add(this.components.peerId)
    return [...nodes]
  }

  /** An address of the subnet that the ledger already lists as ours (e.g. a restart without lease). */
  private ownAddress (machines: MachinesView): string | undefined {
    for (const [address, holder] of machines.holders) {
      if (holder === this.components.peerId && this.subnet.isHostText(address)) return address
    }
    return undefined
  }

  /**
   * Go's election, steps 4–9 of spec §7.6: whether we are the recorded `dhcp/leader` and may
   * allocate now. The elected node records itself first and allocates on a later look.
   */
  private async holdsLeaderRole (nodes: string[], machines: MachinesView): Promise<boolean> {
    const { ledger, peerId } = this.components
    const withoutAddress = nodes.filter(node => !machines.peersWithAddress.has(node))
    if (withoutAddress.length === 0) return false
    const shouldLead = leader(withoutAddress)
    const recorded = ledger.get(BUCKETS.dhcp, 'leader')
    const lead = typeof recorded === 'string' ? recorded : ''
    if (shouldLead !== peerId && lead !== peerId) return false
    if (shouldLead === peerId && (lead === '' || !withoutAddress.includes(lead))) {
      this.recordLeadership()
      return false
    }
    if (lead !== peerId) {
      await this.pause()
      return false
    }
    return true
  }

  /** Go's `Persist(dhcp, leader, self, 5 s, 15 s)`, one at a time. */
  private recordLeadership (): void {
    if (this.persisting) return
    this.persisting = true
    const announcement = persist(this.components.ledger, BUCKETS.dhcp, 'leader', this.components.peerId, {
      intervalMs: this.pollIntervalMs,
      initialIntervalMs: this.pollIntervalMs,
      timeoutMs: 3 * this.pollIntervalMs,
      signal: this.init.signal,
      onError: err => { this.components.logger.warn('recording the DHCP leader failed', { error: err }) }
    })
    this.leaderPersist = announcement
    void announcement.done.then(() => { this.persisting = false })
  }

  /**
   * Go's choice, `NextIP(base, used)`, when it is a free host address of the subnet; else the
   * first free one from there (or from the base) upward. Free: in no machines entry, in no claim
   * of a live peer, and not lost before.
   */
  private async choose (machines: MachinesView, nodes: string[]): Promise<string | undefined> {
    const others = new Set(nodes.filter(node => node !== this.components.peerId))
    const claimed = new Set((await readClaims(this.components.ledger, others)).map(claim => claim.address))
    const free = (address: string): boolean => this.subnet.isHostText(address) &&
      !machines.holders.has(address) && !claimed.has(address) && !this.lost.has(address)
    const goChoice = nextIp(this.base, machines.usedAddresses)
    if (free(goChoice)) return goChoice
    return this.subnet.firstHost(parseIPv4(goChoice) ?? parseIPv4(this.base) ?? 0, free)
  }

  /**
   * Announces our claim on `address`, lets it settle, and tells whether it stands: nobody else
   * holds the address in `machines`, and ours is the first claim on it among live peers.
   */
  private async claim (address: string): Promise<boolean> {
    const { ledger, peerId, logger } = this.components
    const ours: AddressClaim = { peerId, address, since: Date.now() }
    logger.debug('claiming a DHCP address', { address })
    await putClaim(ledger, ours)
    this.claimed = true
    await sleep(this.init.settleMs ?? 20_000, undefined, { signal: this.init.signal })
    const holder = machinesView(ledger).holders.get(address)
    if (holder !== undefined && holder !== peerId) {
      logger.info('DHCP address taken by another node meanwhile', { address, holder })
      return false
    }
    const others = new Set(this.aliveNodes().filter(node => node !== peerId))
    const rivals = (await readClaims(ledger, others)).filter(claim => claim.address === address)
    const first = [ours, ...rivals].sort(compareClaims)[0]
    if (first.peerId !== peerId) {
      logger.info('DHCP address claimed first by another node', { address, winner: first.peerId })
      return false
    }
    return true
  }
}
