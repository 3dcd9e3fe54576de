import { generateKeyPair } from '@libp2p/crypto/keys'
import type { EdgeNodeInit } from '../node/edge-node.js'

/**
 * Turns a daemon's node options into those of a short-lived node that looks at the same network
 * without disturbing a daemon that may run next to it: a fresh identity (two nodes with one peer
 * ID confuse every peer), an in-memory ledger (not the daemon's state directory), the same listen
 * interfaces on ephemeral ports, no announced addresses (they name the daemon's ports) and no
 * heartbeats in the shared ledger.
 */
export async function throwawayNodeInit (init: EdgeNodeInit): Promise<EdgeNodeInit> {
  return {
    ...init,
    privateKey: await generateKeyPair('Ed25519'),
    host: {
      ...init.host,
      listen: init.host.listen?.map(address => address.replace(/\/(tcp|udp)\/\d+/g, '/$1/0')),
      announce: []
    },
    ledger: { ...init.ledger, stateDir: undefined },
    alive: undefined
  }
}
