/**
 * @packageDocumentation
 *
 * The base of an edgevpn node: the network token and its OTP derivations, the libp2p host,
 * peer discovery (DHT rendezvous, mDNS, static peers) and the table of peer states.
 *
 * @example
 *
 * ```ts
 * import { ledgerTopic, sealKey, dhtRendezvous } from '@edgevpn/mesh-core'
 *
 * // every node holding the same token derives the same values at the same time
 * console.log(dhtRendezvous(config), ledgerTopic(config), sealKey(config).toString())
 * ```
 */

export type { NetworkConfig, OtpConfig } from './network-config.js'
export { totp, md5Hex, dhtRendezvous, ledgerTopic, publicTopic, sealKey, dhcpLeaseFileName, RecentValues } from './otp.js'
