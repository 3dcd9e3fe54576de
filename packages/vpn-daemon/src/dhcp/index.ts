/**
 * @packageDocumentation
 *
 * Ledger-based address allocation (Go edgevpn `--dhcp`): a lease file that survives restarts,
 * Go's `dhcp/leader` protocol and `NextIP` so that mixed Go/TypeScript meshes agree, plus a claim
 * check that keeps nodes joining at once from taking the same address, any IPv4 prefix up to /30,
 * and no need for a second node.
 *
 * @example
 *
 * ```ts
 * import { createLogger, dhcpLeaseFileName } from '@edgevpn/mesh-core'
 * import { allocateAddress } from '@edgevpn/vpn-daemon'
 *
 * // ledger: synchronised with the mesh, heartbeats written by an AliveService
 * const address = await allocateAddress({ ledger, peerId, logger: createLogger() }, {
 *   leaseFileName: dhcpLeaseFileName(networkConfig),
 *   baseAddress: '10.1.0.1',
 *   prefixLength: 24
 * })
 * const vpn = await createVpnService(components, { address: `${address}/24` })
 * ```
 */

export { allocateAddress } from './allocate-address.js'
export type { DhcpComponents, DhcpInit } from './allocate-address.js'
export { nextIp } from './next-ip.js'
export { Ipv4Subnet } from './ipv4-subnet.js'
export { defaultLeaseDir, readLease, writeLease } from './lease-file.js'
export { CLAIMS_BUCKET, compareClaims, readClaims } from './address-claims.js'
export type { AddressClaim } from './address-claims.js'
export { machinesView } from './machines-view.js'
export type { MachinesView } from './machines-view.js'
export { DhcpConfigError } from './dhcp-config-error.js'
