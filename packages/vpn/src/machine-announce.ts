import { hostname } from 'node:os'
import { BackoffTicker } from '@edgevpn/mesh-core'
import { BUCKETS, ownerFromPeerIdField } from '@edgevpn/ledger'
import { goStruct } from '@edgevpn/go-compat'
import { goPlatform } from './go-platform.js'
import type { Ledger } from '@edgevpn/ledger'
import type { GoStruct } from '@edgevpn/go-compat'
import type { Logger } from '@edgevpn/mesh-core'

export interface MachineAnnouncerInit {
  /** Our VPN addresses (Go IP text); each becomes a machines key. */
  addresses: readonly string[]
  /** Go `--ledger-announce-interval` in ms: the longest wait between announces. @default 10000 */
  interval?: number
  /** @default os.hostname() */
  hostname?: string
  /** The `Version` field (Go: the build tag). @default '' */
  version?: string
}

export interface MachineAnnouncerComponents {
  ledger: Ledger
  /** Our base58 peer ID. */
  peerId: string
  logger: Logger
}

/** The machines value of Go's `types.Machine`, fields in Go's order so the text is byte-identical. */
export function machineValue (fields: { peerId: string, hostname: string, os: string, arch: string, address: string, version: string }): GoStruct {
  return goStruct({
    PeerID: fields.peerId,
    Hostname: fields.hostname,
    OS: fields.os,
    Arch: fields.arch,
    Address: fields.address,
    Version: fields.version
  })
}

/**
 * Keeps our machines entries in the ledger (spec §7.5): on the backoff ticker, every address
 * whose entry is missing or names another peer is written again.
 */
export class MachineAnnouncer {
  readonly #components: MachineAnnouncerComponents
  readonly #ticker: BackoffTicker
  readonly #values: ReadonlyArray<readonly [string, GoStruct]>

  constructor (components: MachineAnnouncerComponents, init: MachineAnnouncerInit) {
    this.#components = components
    const { os, arch } = goPlatform()
    const host = init.hostname ?? hostname()
    this.#values = init.addresses.map(address => [address, machineValue({
      peerId: components.peerId, hostname: host, os, arch, address, version: init.version ?? ''
    })])
    this.#ticker = new BackoffTicker({
      maxInterval: init.interval ?? 10_000,
      onError: err => { components.logger.warn('announcing the machine failed', { error: err }) }
    }, async () => { await this.announce() })
  }

  start (): void {
    this.#ticker.start()
  }

  async stop (): Promise<void> {
    await this.#ticker.stop()
  }

  /** One announce round (what every tick does). */
  async announce (): Promise<void> {
    const { ledger, peerId } = this.#components
    for (const [address, value] of this.#values) {
      const current = ledger.getRaw(BUCKETS.machines, address)
      if (current === undefined || ownerFromPeerIdField(address, current) !== peerId) {
        await ledger.put(BUCKETS.machines, address, value)
      }
    }
  }
}
