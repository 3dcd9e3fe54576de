/**
 * The rotating seal key of a mesh, tolerant at period boundaries: Go seals and opens with the key
 * of "now" only, so a message sealed just before a rotation and opened just after is lost until
 * the next sync. Opening also tries the keys of the neighbouring periods (harmless: they are keys
 * every token holder derives anyway).
 */

import { sealKey } from '@edgevpn/mesh-core'
import { openBytes, sealBytes, seal, unseal } from './sealer.js'
import type { NetworkConfig } from '@edgevpn/mesh-core'

export interface SealKeyringInit {
  network: NetworkConfig
  /**
   * How far from "now" (both ways) to look for another period's key when opening fails, in ms.
   *
   * @default 30000
   */
  graceMs?: number
  /**
   * Wall clock in Unix milliseconds.
   *
   * @default Date.now
   */
  clock?: () => number
}

export class SealKeyring {
  private readonly network: NetworkConfig
  private readonly graceMs: number
  private readonly clock: () => number

  constructor (init: SealKeyringInit) {
    this.network = init.network
    this.graceMs = init.graceMs ?? 30_000
    this.clock = init.clock ?? Date.now
  }

  /** The key Go would use now. */
  current (): Uint8Array {
    return sealKey(this.network, this.clock())
  }

  /** Hex-sealed text of `plaintext` under the current key (the gossip `Message`). */
  seal (plaintext: Uint8Array): string {
    return seal(plaintext, this.current())
  }

  /** Binary-sealed `plaintext` under the current key. */
  sealBytes (plaintext: Uint8Array): Uint8Array {
    return sealBytes(plaintext, this.current())
  }

  /** Opens hex-sealed text with the current key, then with the neighbouring periods' keys. */
  unseal (sealed: string): Uint8Array | undefined {
    return this.firstOpening(key => unseal(sealed, key))
  }

  /** {@link unseal} for the binary form. */
  openBytes (sealed: Uint8Array): Uint8Array | undefined {
    return this.firstOpening(key => openBytes(sealed, key))
  }

  private firstOpening (open: (key: Uint8Array) => Uint8Array | undefined): Uint8Array | undefined {
    const now = this.clock()
    const current = sealKey(this.network, now)
    const opened = open(current)
    if (opened !== undefined) return opened
    const tried = new Set([Buffer.from(current).toString('hex')])
    for (const at of [now - this.graceMs, now + this.graceMs]) {
      const key = sealKey(this.network, at)
      const id = Buffer.from(key).toString('hex')
      if (tried.has(id)) continue
      tried.add(id)
      const fallback = open(key)
      if (fallback !== undefined) return fallback
    }
    return undefined
  }
}
