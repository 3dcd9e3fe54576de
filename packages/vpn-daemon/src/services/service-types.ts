import type { Ledger } from '@edgevpn/ledger'
import type { Logger } from '@edgevpn/mesh-core'
import type { Libp2p } from '@libp2p/interface'

/** What the services and file transfers use of a node. */
export interface ServiceComponents {
  libp2p: Pick<Libp2p, 'peerId' | 'handle' | 'unhandle' | 'dialProtocol'>
  ledger: Ledger
  logger: Logger
}

export interface RunningService {
  /** Stops announcing and accepting, and cuts every open tunnel or transfer. */
  stop: () => Promise<void>
}
