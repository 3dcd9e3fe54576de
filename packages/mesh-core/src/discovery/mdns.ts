import { createLogger } from '../logger.js'
import { dialDiscovered } from './dial.js'
import type { ConnectionBudget } from './connection-budget.js'
import type { DiscoveryObserver } from './dial.js'
import type { MeshHost } from '../host.js'
import type { Logger } from '../logger.js'
import type { PeerInfo } from '@libp2p/interface'

export interface MdnsDialerInit {
  /** Time limit of one dial in ms. @default 30_000 */
  dialTimeout?: number
  observer?: DiscoveryObserver
  /** Dial found peers only while it wants more connections. @default dial every peer */
  budget?: ConnectionBudget
  /** @default an `edgevpn.discovery.mdns` logger on stderr */
  logger?: Logger
}

export interface MdnsDialer {
  start(): void
  stop(): Promise<void>
}

/**
 * Connects to the peers the host's mDNS service finds, within the connection budget (js-libp2p
 * v3 does not auto-dial discovered peers; Go edgevpn connects to every one at once). The service itself runs inside the host
 * (`MeshHostInit.mdns`), which answers queries for `<token mdns>.local`, so only nodes with the
 * same token see each other.
 *
 * @throws Error when the host was created without mDNS
 */
export function createMdnsDialer (host: MeshHost, init: MdnsDialerInit = {}): MdnsDialer {
  const service = host.libp2p.services.mdns
  if (service == null) throw new Error('the mesh host was created without mDNS (MeshHostInit.mdns)')
  const log = init.logger ?? createLogger().child('discovery.mdns')
  const dialTimeout = init.dialTimeout ?? 30_000
  let controller: AbortController | undefined
  const dials = new Set<Promise<unknown>>()

  const onPeer = (event: CustomEvent<PeerInfo>): void => {
    if (controller == null) return
    const dial = dialDiscovered(host.libp2p, event.detail, {
      via: 'mdns', log, observer: init.observer, budget: init.budget, signal: controller.signal, timeout: dialTimeout
    })
    dials.add(dial)
    void dial.finally(() => dials.delete(dial))
  }

  return {
    start: () => {
      if (controller != null) return
      controller = new AbortController()
      service.addEventListener('peer', onPeer)
    },
    stop: async () => {
      service.removeEventListener('peer', onPeer)
      controller?.abort()
      controller = undefined
      await Promise.all(dials)
    }
  }
}
