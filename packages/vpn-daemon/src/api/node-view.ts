import type { PeerView } from '@edgevpn/api-client'

/**
 * What the API reads about the local node and its peers, so that it does not depend on libp2p.
 * Peer IDs are base58btc text.
 */
export interface NodeView {
  /** This node's peer ID. */
  readonly peerId: string
  /**
   * Peers subscribed to the ledger's gossip topic (Go `MessageHub.ListPeers`).
   *
   * @throws when the topic is not joined yet; routes needing it answer 500
   */
  topicPeers: () => string[]
  /** Peers with at least one open connection right now. */
  connectedPeers: () => string[]
  /** Every peer in the peer store, this node included (Go `Peerstore().Peers()`). */
  peerstorePeers: () => Promise<string[]>
  /** The peer table: how each known peer was found and how it is reached. */
  peers: () => PeerView[]
}
