/** Flags of the root command (Go edgevpn's `MainFlags`): the VPN daemon itself. */
import { flag } from '@edgevpn/go-cli'
import type { FlagSpec } from '@edgevpn/go-cli'

export const rootFlags: FlagSpec[] = [
  flag({ name: 'g', kind: 'bool', default: false, usage: 'print a new network configuration (YAML) and exit' }),
  flag({ name: 'b', kind: 'bool', default: false, usage: 'with -g: print it as a base64 token' }),
  flag({ name: 'key-otp-interval', kind: 'int', default: 360, usage: 'OTP rotation interval in seconds written by -g' }),
  flag({ name: 'debug', kind: 'bool', default: false, usage: 'accepted for compatibility' }),
  flag({ name: 'api', kind: 'bool', env: 'API', default: false, usage: 'start the HTTP API' }),
  flag({ name: 'api-listen', kind: 'string', env: 'APILISTEN', default: '127.0.0.1:8080', usage: 'API address: host:port or unix:///path' }),
  flag({ name: 'dhcp', kind: 'bool', env: 'DHCP', default: false, usage: 'get the VPN address from the ledger' }),
  flag({ name: 'transient-conn', kind: 'bool', env: 'TRANSIENTCONN', default: false, usage: 'allow relayed connections for services' }),
  flag({ name: 'lease-dir', kind: 'string', env: 'DHCPLEASEDIR', default: '', usage: 'DHCP lease directory (default: $HOME/.edgevpn/leases)' }),
  flag({ name: 'address', kind: 'string', env: 'ADDRESS', default: '10.1.0.1/24', usage: 'VPN address (CIDR), and the DHCP base address' }),
  flag({ name: 'dns', kind: 'string', env: 'DNSADDRESS', default: '', usage: 'DNS listen address (empty: no DNS server)' }),
  flag({ name: 'dns-forwarder', kind: 'bool', env: 'DNSFORWARD', default: true, usage: 'forward names the mesh does not know' }),
  flag({ name: 'egress', kind: 'bool', env: 'EGRESS', default: false, usage: 'act as an HTTP egress for the mesh' }),
  flag({ name: 'egress-announce-time', kind: 'int', env: 'EGRESSANNOUNCE', default: 200, usage: 'egress announce interval in seconds' }),
  flag({ name: 'dns-cache-size', kind: 'int', env: 'DNSCACHESIZE', default: 200, usage: 'DNS cache entries' }),
  flag({ name: 'dns-forward-server', kind: 'strings', env: 'DNSFORWARDSERVER', default: ['8.8.8.8:53', '1.1.1.1:53'], usage: 'upstream DNS servers' }),
  flag({ name: 'router', kind: 'string', env: 'ROUTER', default: '', usage: 'VPN address to send packets for unknown destinations to' }),
  flag({ name: 'interface', aliases: ['i'], kind: 'string', env: 'IFACE', default: 'edgevpn0', usage: 'TUN interface name' })
]
