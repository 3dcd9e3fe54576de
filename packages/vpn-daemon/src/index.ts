/**
 * @packageDocumentation
 *
 * The edgevpn daemon as a library: a node (host, discovery, ledger sync, liveness), the VPN
 * data plane, DHCP over the ledger, the HTTP API with its Go-compatible client, and the
 * `edgevpn` CLI that assembles them. The network-namespace lab used by the demo, the tests and
 * the benchmarks is at `@edgevpn/vpn-daemon/lab`.
 *
 * @example
 *
 * ```ts
 * import { generateKeyPair } from '@libp2p/crypto/keys'
 * import { createLogger, decodeToken } from '@edgevpn/mesh-core'
 * import { createVpnService, startEdgeNode } from '@edgevpn/vpn-daemon'
 *
 * const node = await startEdgeNode({
 *   network: decodeToken(process.env.EDGEVPNTOKEN ?? ''),
 *   privateKey: await generateKeyPair('Ed25519'),
 *   host: {},
 *   discovery: {},
 *   ledger: { mode: 'enforce', ownershipTtlMs: 480_000, sync: {} },
 *   alive: {},
 *   logger: createLogger()
 * })
 * const vpn = await createVpnService({ host: node.host, ledger: node.ledger, logger: createLogger() }, { address: '10.1.0.7/24' })
 * ```
 */

export { startEdgeNode } from './node/edge-node.js'
export type { EdgeNode, EdgeNodeInit, EdgeLedgerInit } from './node/edge-node.js'
export * from './vpn/index.js'
export * from './dhcp/index.js'
export * from './api/index.js'
export * from './roles/index.js'
export * from './doctor/index.js'
export { serveTime, queryPeerClock, TIME_PROTOCOL, TimeProtocolError } from './node/time-protocol.js'
export type { ClockSample, ClockQueryInit, TimeServiceInit } from './node/time-protocol.js'
export { main } from './cli/main.js'
export { VERSION } from './version.js'
