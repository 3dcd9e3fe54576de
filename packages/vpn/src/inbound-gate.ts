import type { MachineDirectory } from './machine-directory.js'

/**
 * Who may send us packets (Go `streamHandler`, spec §7.4): with a static peer table, the peers it
 * names; otherwise the peers that own at least one machines entry (any IP; liveness is not
 * checked, as in Go). Applies to both data-plane protocols.
 */
export class InboundGate {
  readonly #machines: MachineDirectory
  readonly #staticPeers: ReadonlySet<string> | undefined

  constructor (machines: MachineDirectory, staticPeerTable?: ReadonlyMap<string, string>) {
    this.#machines = machines
    this.#staticPeers = staticPeerTable === undefined ? undefined : new Set(staticPeerTable.values())
  }

  allows (peerId: string): boolean {
    return this.#staticPeers === undefined ? this.#machines.isMember(peerId) : this.#staticPeers.has(peerId)
  }

  /** Calls `listener` whenever the answer of {@link allows} may have changed. */
  onChange (listener: () => void): () => void {
    return this.#staticPeers === undefined ? this.#machines.onChange(listener) : () => {}
  }
}
