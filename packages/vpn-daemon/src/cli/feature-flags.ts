/**
 * The options of the VPN and the HTTP API, made of their flags (Go's `cliToOpts` for these parts).
 */
import { apiTokenFromFlags } from '@edgevpn/api-client'
import { parseGoDuration, UsageError } from '@edgevpn/go-cli'
import type { ParsedFlags } from '@edgevpn/go-cli'
import type { FastEngine, VpnServiceInit } from '@edgevpn/vpn'
import type { ApiOptions } from '../daemon/start-features.js'
import { VERSION } from '../version.js'

/** The VPN options of the VPN flags (`vpnFlags`, `--interface`, `--router`), for the interface `address`. */
export function vpnInitFromFlags (flags: ParsedFlags, address: string): VpnServiceInit {
  return {
    interfaceName: flags.string('interface'),
    address,
    mtu: flags.int('mtu'),
    packetMtu: flags.int('packet-mtu'),
    offload: flags.bool('tun-offload'),
    fast: flags.bool('vpn-fast'),
    fastPort: flags.int('vpn-fast-port'),
    fastEngine: flags.string('vpn-fast-engine') as FastEngine,
    timeout: parseGoDuration(flags.string('timeout'), '--timeout'),
    router: flags.string('router') === '' ? undefined : flags.string('router'),
    staticPeerTable: flags.strings('static-peertable'),
    announceInterval: flags.int('ledger-announce-interval') * 1000,
    maxQueuedPackets: flags.int('vpn-queue-packets'),
    maxQueuedBytes: flags.int('vpn-queue-bytes'),
    version: VERSION
  }
}

/**
 * The API options of `--api-token`, `--api-token-file` and `--api-max-body-size`.
 *
 * @throws UsageError for a bad token (see {@link apiTokenFromFlags}) or body size
 */
export async function apiOptionsFromFlags (flags: ParsedFlags, listen: string): Promise<ApiOptions> {
  const maxBodyBytes = flags.int('api-max-body-size')
  if (maxBodyBytes <= 0) throw new UsageError(`--api-max-body-size must be a positive number of bytes, got ${maxBodyBytes}`)
  return { listen, token: await apiTokenFromFlags(flags), maxBodyBytes }
}
