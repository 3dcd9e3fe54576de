/**
 * @packageDocumentation
 *
 * The base of an edgevpn node: the network token and its OTP derivations, the libp2p host,
 * peer discovery (DHT rendezvous, mDNS, static peers) within a connection budget, and the table of
 * peer states.
 *
 * @example
 *
 * ```ts
 * import { decodeToken, dhtRendezvous, encodeToken, generateNetworkConfig, ledgerTopic, sealKey } from '@edgevpn/mesh-core'
 *
 * const config = decodeToken(process.env.EDGEVPNTOKEN ?? encodeToken(generateNetworkConfig()))
 * // every node holding the same token derives the same values at the same time
 * console.log(dhtRendezvous(config), ledgerTopic(config), sealKey(config).toString())
 * ```
 */

export type { NetworkConfig, OtpConfig } from './network-config.js'
export { totp, md5Hex, dhtRendezvous, ledgerTopic, publicTopic, sealKey, dhcpLeaseFileName, RecentValues } from './otp.js'
export { createLogger, parseLogLevel } from './logger.js'
export type { Logger, LoggerInit, LogLevel, LogFields } from './logger.js'
export { loadOrCreatePrivateKey, claimIdentity, defaultKeyCacheDir, KeyCacheError, PRIVATE_KEY_FILE, IDENTITY_LOCK_FILE } from './identity.js'
export type { ClaimedIdentity } from './identity.js'
export { createBlacklistGater, InvalidBlacklistEntryError } from './gater.js'
export type { BlacklistGater, BlacklistGaterInit } from './gater.js'
export { createMeshHost, parsePeerAddresses, InvalidHostOptionError, DHT_PROTOCOL, DEFAULT_MAX_MESSAGE_SIZE } from './host.js'
export type { MeshHost, MeshHostInit, MeshLibp2p, MeshServices, ConnectionLimitsInit, RelayServerInit, RelayClientInit, MdnsInit } from './host.js'
export type { TrafficCount, TrafficMeter } from './traffic-meter.js'
export { HolePuncher, HOLE_PUNCH_PROTOCOL, isRelayed, PunchDialer, punchDialer } from './hole-punch.js'
export type { HolePunchResult, HolePunchEvents, HolePuncherInit, HolePuncherComponents, PunchDialerComponents, PunchDialOptions } from './hole-punch.js'
export { RelayReservations, relayReservations } from './relay-reservations.js'
export type { RelayReservationsInit, RelayReservationsComponents } from './relay-reservations.js'
export { createPeerTable, PeerTable } from './peer-table.js'
export type { PeerState, PeerLink, PeerTableEvents, PeerTableInit } from './peer-table.js'
export { startDiscovery } from './discovery/index.js'
export type { Discovery, DiscoveryInit } from './discovery/index.js'
export { createDhtRendezvous, rendezvousCid } from './discovery/dht-rendezvous.js'
export type { DhtRendezvous, DhtRendezvousInit, RendezvousSearch } from './discovery/dht-rendezvous.js'
export { createMdnsDialer } from './discovery/mdns.js'
export { createConnectionBudget, DEFAULT_LOW_WATER, DISCOVERED_TAG } from './discovery/connection-budget.js'
export type { ConnectionBudget, ConnectionBudgetInit } from './discovery/connection-budget.js'
export { PUBLIC_DHT_BOOTSTRAP_PEERS } from './discovery/public-bootstrap.js'
export { mdnsService, MdnsService } from './discovery/mdns-service.js'
export type { MdnsServiceInit, MdnsServiceComponents } from './discovery/mdns-service.js'
export { lanInterfaces } from './discovery/lan-interfaces.js'
export type { LanInterface } from './discovery/lan-interfaces.js'
export type { MdnsDialer, MdnsDialerInit } from './discovery/mdns.js'
export { createStaticPeers } from './discovery/static-peers.js'
export type { StaticPeers, StaticPeersInit } from './discovery/static-peers.js'
export { BackoffTicker, ExponentialBackoff } from './discovery/backoff-ticker.js'
export type { BackoffTickerInit, ExponentialBackoffInit, TickTask } from './discovery/backoff-ticker.js'
export type { DiscoveryObserver, DiscoverySource } from './discovery/dial.js'
export { ConfigError } from './config-error.js'
export { decodeToken, encodeToken, networkFingerprint } from './token.js'
export { parseNetworkConfigYaml, networkConfigToYaml } from './config-yaml.js'
export { validateNetworkConfig } from './validate-network-config.js'
export { generateNetworkConfig } from './generate.js'
export type { GenerateNetworkConfigInit } from './generate.js'
export { loadNetworkConfig } from './load-network-config.js'
export type { LoadNetworkConfigInit } from './load-network-config.js'
