/**
 * The data plane over relays: VPN streams may use limited (relayed) connections, so peers behind
 * NAT reach each other through a relay, and a channel on a relayed connection moves to a direct
 * one as soon as it appears (a hole punch succeeded).
 */
import { isRelayed } from '@edgevpn/mesh-core'
import type { Connection, Libp2p, PeerId } from '@libp2p/interface'

/** Stream options of every VPN protocol, handled and dialed: relayed connections allowed. */
export const VPN_STREAM_OPTIONS = { runOnLimitedConnection: true } as const

/** Whether every open connection to `peer` goes through a relay (so a new stream does too). */
export function onlyRelayed (libp2p: Pick<Libp2p, 'getConnections'>, peer: PeerId): boolean {
  const open = libp2p.getConnections(peer).filter(connection => connection.status === 'open')
  return open.length > 0 && open.every(isRelayed)
}

/**
 * Calls `onDirect` with the peer of every new direct connection.
 *
 * @returns a function that stops watching
 */
export function watchDirectConnections (libp2p: Pick<Libp2p, 'addEventListener' | 'removeEventListener'>, onDirect: (peer: PeerId) => void): () => void {
  const listener = (event: CustomEvent<Connection>): void => {
    if (!isRelayed(event.detail)) onDirect(event.detail.remotePeer)
  }
  libp2p.addEventListener('connection:open', listener)
  return () => { libp2p.removeEventListener('connection:open', listener) }
}
