/**
 * @packageDocumentation
 *
 * The edgevpn daemon as a library: a node (host, discovery, ledger sync, liveness), the HTTP API
 * server (TCP or a unix socket, Go's routes), DHCP over the ledger, Go's TCP services and file
 * sharing, HTTP egress, and `doctor`. The `edgevpn` CLI (`src/cli/`) assembles them from flags;
 * it is the only place that reads flags. The data plane is `@edgevpn/vpn`, the API client
 * `@edgevpn/api-client`, the Kairos role agent `@edgevpn/kairos-agent`.
 *
 * @example
 *
 * ```ts
 * import { generateKeyPair } from '@libp2p/crypto/keys'
 * import { createLogger, decodeToken } from '@edgevpn/mesh-core'
 * import { createVpnService } from '@edgevpn/vpn'
 * import { startEdgeNode } from '@edgevpn/vpn-daemon'
 *
 * const logger = createLogger()
 * const node = await startEdgeNode({
 *   network: decodeToken(process.env.EDGEVPNTOKEN ?? ''),
 *   privateKey: await generateKeyPair('Ed25519'),
 *   host: {},
 *   discovery: {},
 *   ledger: { mode: 'enforce', ownershipTtlMs: 480_000, sync: {} },
 *   alive: {},
 *   logger
 * })
 * const vpn = await createVpnService({ host: node.host, ledger: node.ledger, logger }, { address: '10.1.0.7/24' })
 * ```
 */
export { startEdgeNode } from './node/edge-node.js'
export type { EdgeNode, EdgeNodeInit, EdgeLedgerInit } from './node/edge-node.js'
export * from './dhcp/index.js'
export * from './api/index.js'
export * from './services/index.js'
export * from './egress/index.js'
export * from './doctor/index.js'
export { serveTime, queryPeerClock, TIME_PROTOCOL, TimeProtocolError } from './node/time-protocol.js'
export type { ClockSample, ClockQueryInit, TimeServiceInit } from './node/time-protocol.js'
export { VERSION } from './version.js'
