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

/** How a serving side treats streams from peers it does not know as users yet. */
export interface UsersGateOptions {
  /**
   * How long a stream from a peer without a `users` entry waits for one before it is reset, in ms.
   * A peer's entry can arrive after its first stream (a Go receiver looks the file up and dials as
   * soon as the file's entry reaches it, its own entry may be a sync round behind); Go resets at once
   * and leaves that receiver with an empty file.
   *
   * @default 10000 (two of Go's 5 s sync rounds)
   */
  userWaitMs?: number
}
