/**
 * The flags every node command shares (Go edgevpn's `CommonFlags`), with the same names,
 * environment variables and defaults so an existing env file (e.g. Kairos') works unchanged.
 */
import { flag } from '@edgevpn/go-cli'
import { apiTokenFlags } from '@edgevpn/api-client'
import type { FlagSpec } from '@edgevpn/go-cli'

const SECOND = 1000
const MINUTE = 60 * SECOND

export const networkFlags: FlagSpec[] = [
  flag({ name: 'config', aliases: ['c'], kind: 'string', env: 'EDGEVPNCONFIG', default: '', usage: 'network configuration file (YAML)' }),
  flag({ name: 'token', aliases: ['t'], kind: 'string', env: 'EDGEVPNTOKEN', default: '', usage: 'network token (base64 of the YAML configuration)' })
]

export const hostFlags: FlagSpec[] = [
  flag({ name: 'listen-maddrs', kind: 'strings', env: 'EDGEVPNLISTENMADDRS', default: [], usage: 'multiaddrs to listen on (default: TCP and QUIC on every IPv4 and IPv6 address)' }),
  flag({ name: 'dht-announce-maddrs', kind: 'strings', env: 'EDGEVPNDHTANNOUNCEMADDRS', default: [], usage: 'multiaddrs to announce instead of the detected ones' }),
  flag({ name: 'discovery-interval', kind: 'int', env: 'EDGEVPNDHTINTERVAL', default: 720, usage: 'DHT rendezvous re-announce interval in seconds' }),
  flag({ name: 'discovery-bootstrap-peers', kind: 'strings', env: 'EDGEVPNBOOTSTRAPPEERS', default: [], usage: 'DHT bootstrap multiaddrs (each with /p2p/<peer id>)' }),
  flag({ name: 'mdns', kind: 'bool', env: 'EDGEVPNMDNS', default: true, usage: 'discover peers on the LAN with mDNS' }),
  flag({ name: 'dht', kind: 'bool', env: 'EDGEVPNDHT', default: true, usage: 'discover peers through the DHT rendezvous' }),
  flag({ name: 'autorelay', kind: 'bool', env: 'EDGEVPNAUTORELAY', default: true, usage: 'reserve slots on relays when not publicly reachable' }),
  flag({ name: 'autorelay-discovery-interval', kind: 'duration', env: 'EDGEVPNAUTORELAYDISCOVERYINTERVAL', default: 5 * MINUTE, usage: 'accepted for compatibility (unused by Go edgevpn too)' }),
  flag({ name: 'autorelay-static-only', kind: 'bool', env: 'EDGEVPNAUTORELAYSTATICONLY', default: false, usage: 'use only the static relays' }),
  flag({ name: 'autorelay-static-peer', kind: 'strings', env: 'EDGEVPNAUTORELAYPEERS', default: [], usage: 'static relay multiaddrs' }),
  flag({ name: 'relay-service', kind: 'bool', env: 'EDGEVPN_RELAY_SERVICE', default: true, usage: 'relay connections for other members' }),
  flag({ name: 'relay-service-network-only', kind: 'bool', env: 'EDGEVPN_RELAY_SERVICE_NETWORK_ONLY', default: true, usage: 'grant relay reservations to network members only' }),
  flag({ name: 'relay-service-acl-refresh', kind: 'duration', env: 'EDGEVPN_RELAY_SERVICE_ACL_REFRESH', default: 30 * SECOND, usage: 'how often the relay member list is refreshed' }),
  flag({ name: 'relay-service-max-data', kind: 'int', env: 'EDGEVPN_RELAY_MAX_DATA', default: 1 << 30, usage: 'bytes per direction per relayed connection' }),
  flag({ name: 'relay-service-max-duration', kind: 'duration', env: 'EDGEVPN_RELAY_MAX_DURATION', default: 30 * MINUTE, usage: 'lifetime of a relayed connection' }),
  flag({ name: 'relay-service-max-circuits', kind: 'int', env: 'EDGEVPN_RELAY_MAX_CIRCUITS', default: 64, usage: 'relayed connections per peer' }),
  flag({ name: 'relay-service-reservation-ttl', kind: 'duration', env: 'EDGEVPN_RELAY_RESERVATION_TTL', default: 60 * MINUTE, usage: 'relay reservation lifetime' }),
  flag({ name: 'relay-service-buffer-size', kind: 'int', env: 'EDGEVPN_RELAY_BUFFER_SIZE', default: 65536, usage: 'relay buffer size in bytes' }),
  flag({ name: 'nat-ratelimit', kind: 'bool', env: 'EDGEVPNNATRATELIMIT', default: true, usage: 'rate-limit the AutoNAT service' }),
  flag({ name: 'nat-ratelimit-global', kind: 'int', env: 'EDGEVPNNATRATELIMITGLOBAL', default: 10, usage: 'AutoNAT dial-backs per interval' }),
  flag({ name: 'nat-ratelimit-peer', kind: 'int', env: 'EDGEVPNNATRATELIMITPEER', default: 10, usage: 'AutoNAT dial-backs per peer per interval' }),
  flag({ name: 'nat-ratelimit-interval', kind: 'int', env: 'EDGEVPNNATRATELIMITINTERVAL', default: 60, usage: 'AutoNAT rate-limit interval in seconds' }),
  flag({ name: 'natservice', kind: 'bool', env: 'EDGEVPNNATSERVICE', default: true, usage: 'answer AutoNAT reachability checks' }),
  flag({ name: 'natmap', kind: 'bool', env: 'EDGEVPNNATMAP', default: true, usage: 'map ports with UPnP' }),
  flag({ name: 'holepunch', kind: 'bool', env: 'EDGEVPNHOLEPUNCH', default: true, usage: 'upgrade relayed connections by hole punching (DCUtR)' }),
  flag({ name: 'max-connections', kind: 'int', env: 'EDGEVPNMAXCONNS', default: 0, usage: 'connection limit (0: the default)' }),
  flag({ name: 'connection-high-water', kind: 'int', env: 'EDGEVPN_CONNECTION_HIGH_WATER', default: 0, usage: 'close idle connections above this many (0: 24, three times the low water mark)' }),
  flag({ name: 'connection-low-water', kind: 'int', env: 'EDGEVPN_CONNECTION_LOW_WATER', default: 0, usage: 'dial discovered peers while fewer are connected (0: 8)' }),
  flag({ name: 'limit-enable', kind: 'bool', env: 'LIMITENABLE', default: false, usage: 'enable resource limits' }),
  flag({ name: 'limit-file', kind: 'string', env: 'LIMITFILE', default: '', usage: 'accepted for compatibility' }),
  flag({ name: 'limit-scope', kind: 'string', env: 'LIMITSCOPE', default: 'system', usage: 'accepted for compatibility (unused by Go edgevpn too)' }),
  flag({ name: 'blacklist', aliases: ['bl'], kind: 'strings', env: 'EDGEVPNBLACKLIST', default: [], usage: 'CIDRs and peer IDs never to connect with' }),
  flag({ name: 'whitelist', aliases: ['wl'], kind: 'strings', env: 'EDGEVPNWHITELIST', default: [], usage: 'accepted for compatibility (a resource-manager allowlist in Go)' }),
  flag({ name: 'low-profile', kind: 'bool', env: 'EDGEVPNLOWPROFILE', default: true, usage: 'accepted for compatibility (a no-op in Go too)' }),
  flag({ name: 'privkey-cache', kind: 'bool', env: 'EDGEVPNPRIVKEYCACHE', default: false, usage: 'keep the node identity in <privkey-cache-dir>/privkey, as Go edgevpn does (without it: one identity per network and instance under <privkey-cache-dir>/nodes)' }),
  flag({ name: 'privkey-cache-dir', kind: 'string', env: 'EDGEVPNPRIVKEYCACHEDIR', default: '', usage: 'identity directory (default: $HOME/.edgevpn)' }),
  flag({ name: 'ephemeral-identity', kind: 'bool', env: 'EDGEVPNEPHEMERALIDENTITY', default: false, usage: 'a new identity at every start, as Go edgevpn without --privkey-cache (not in Go edgevpn)' }),
  flag({ name: 'log-level', kind: 'string', env: 'EDGEVPNLOGLEVEL', default: 'info', usage: 'debug, info, warn or error' }),
  flag({ name: 'libp2p-log-level', kind: 'string', env: 'EDGEVPNLIBP2PLOGLEVEL', default: 'fatal', usage: 'accepted for compatibility (use DEBUG=libp2p:* for libp2p logs)' })
]

export const ledgerFlags: FlagSpec[] = [
  flag({ name: 'ledger-announce-interval', kind: 'int', env: 'EDGEVPNLEDGERINTERVAL', default: 10, usage: 'announce loops interval in seconds' }),
  flag({ name: 'ledger-synchronization-interval', kind: 'int', env: 'EDGEVPNLEDGERSYNCINTERVAL', default: 10, usage: 'ledger re-broadcast interval in seconds' }),
  flag({ name: 'ledger-state', kind: 'string', env: 'EDGEVPNLEDGERSTATE', default: '', usage: 'directory that keeps the ledger across restarts' }),
  flag({ name: 'ownership', kind: 'string', env: 'EDGEVPNOWNERSHIP', default: 'enforce', usage: 'ledger ownership: off, observe or enforce' }),
  flag({ name: 'ledger-max-entries-per-owner', kind: 'int', env: 'EDGEVPNLEDGERMAXENTRIES', default: 10000, usage: 'live entries one peer may hold in owned buckets; more from the network are rejected' }),
  flag({ name: 'ownership-ttl', kind: 'int', env: 'EDGEVPNOWNERSHIPTTL', default: 0, usage: 'seconds an owner stays live without heartbeat (0: 4 x heartbeat interval)' }),
  flag({ name: 'aliveness-healthcheck-interval', kind: 'int', env: 'HEALTHCHECKINTERVAL', default: 120, usage: 'heartbeat interval in seconds' }),
  flag({ name: 'aliveness-healthcheck-scrub-interval', kind: 'int', env: 'HEALTHCHECKSCRUBINTERVAL', default: 600, usage: 'reaper interval in seconds' }),
  flag({ name: 'aliveness-healthcheck-max-interval', kind: 'int', env: 'HEALTHCHECKMAXINTERVAL', default: 900, usage: 'seconds after the last heartbeat a node counts as gone' })
]

export const vpnFlags: FlagSpec[] = [
  flag({ name: 'timeout', kind: 'string', env: 'EDGEVPNTIMEOUT', default: '15s', usage: 'timeout to open a stream to a peer' }),
  flag({ name: 'mtu', kind: 'int', env: 'EDGEVPNMTU', default: 1200, usage: 'interface MTU' }),
  flag({ name: 'packet-mtu', kind: 'int', env: 'EDGEVPNPACKETMTU', default: 1420, usage: 'largest packet read from the interface' }),
  flag({ name: 'tun-offload', kind: 'bool', env: 'EDGEVPNTUNOFFLOAD', default: true, usage: 'carry TCP segmentation offload packets whole between nodes of this port (/edgevpn-ts/vpn/1.1.0)' }),
  flag({ name: 'vpn-fast', kind: 'bool', env: 'EDGEVPNFAST', default: true, usage: 'send to directly connected nodes of this port over a plain TCP socket with AES-256-GCM, keys agreed over libp2p (/edgevpn-ts/vpn-fast/1.0.0)' }),
  flag({ name: 'vpn-fast-port', kind: 'int', env: 'EDGEVPNFASTPORT', default: 0, usage: 'TCP port of the fast data channel (0: any free port)' }),
  flag({ name: 'vpn-fast-engine', kind: 'string', env: 'EDGEVPNFASTENGINE', default: 'native', usage: 'what carries fast-channel packets: native (threads of the TUN addon) or js (the main thread)' }),
  flag({ name: 'bootstrap-iface', kind: 'bool', env: 'EDGEVPNBOOTSTRAPIFACE', default: true, usage: 'configure the interface address, MTU and link state' }),
  flag({ name: 'channel-buffer-size', kind: 'int', env: 'EDGEVPNCHANNELBUFFERSIZE', default: 0, usage: 'accepted for compatibility' }),
  flag({ name: 'concurrency', kind: 'int', default: 0, usage: 'accepted for compatibility' }),
  flag({ name: 'static-peertable', kind: 'strings', env: 'EDGEVPNSTATICPEERTABLE', default: [], usage: 'ip:peerid entries that replace the ledger for routing and admission' }),
  flag({ name: 'vpn-queue-packets', kind: 'int', env: 'EDGEVPNQUEUEPACKETS', default: 256, usage: 'packets queued per peer before new ones are dropped' }),
  flag({ name: 'vpn-queue-bytes', kind: 'int', env: 'EDGEVPNQUEUEBYTES', default: 512 * 1024, usage: 'bytes queued per peer before new packets are dropped' })
]

/** Access to the HTTP API (not in Go edgevpn), read by the commands that serve it. */
export const apiAccessFlags: FlagSpec[] = [
  ...apiTokenFlags,
  flag({ name: 'api-max-body-size', kind: 'int', env: 'EDGEVPNAPIMAXBODY', default: 1024 * 1024, usage: 'largest API request body in bytes' })
]

export const trustZoneFlags: FlagSpec[] = [
  flag({ name: 'peerguard', kind: 'bool', env: 'PEERGUARD', default: false, usage: 'enable trust zones (experimental)' }),
  flag({ name: 'peergate', kind: 'bool', env: 'PEERGATE', default: false, usage: 'drop gossip from peers outside the trust zone' }),
  flag({ name: 'peergate-autoclean', kind: 'bool', env: 'PEERGATE_AUTOCLEAN', default: false, usage: 'forget trust-zone members that left' }),
  flag({ name: 'peergate-relaxed', kind: 'bool', env: 'PEERGATE_RELAXED', default: false, usage: 'admit everyone while the trust zone is empty' }),
  flag({ name: 'peergate-auth', kind: 'string', env: 'PEERGATE_AUTH', default: '', usage: 'auth providers, JSON' }),
  flag({ name: 'peergate-interval', kind: 'int', env: 'EDGEVPNPEERGATEINTERVAL', default: 120, usage: 'trust-zone refresh interval in seconds' })
]

/** Everything `CommonFlags` holds in Go: accepted by every node command. */
export const commonFlags: FlagSpec[] = [...networkFlags, ...hostFlags, ...ledgerFlags, ...vpnFlags, ...trustZoneFlags, ...apiAccessFlags]
