/**
 * Starting the services a command runs on top of an {@link EdgeNode}, from the command line:
 * the VPN, the DNS server and the HTTP API. Each returns its stop function. The DNS server and
 * the API are imported when started: a daemon without them does not load their modules (and
 * the API's HTTP server).
 */
import { apiTokenFromFlags } from '../cli/api-token-flags.js'
import { parseGoDuration } from '../cli/go-values.js'
import { UsageError } from '../cli/usage-error.js'
import { createVpnService } from '../vpn/index.js'
import { VERSION } from '../version.js'
import type { ParsedFlags } from '../cli/flags.js'
import type { EdgeNode } from '../node/edge-node.js'
import type { FastEngine, VpnService } from '../vpn/index.js'
import type { Logger } from '@edgevpn/mesh-core'

export type Stop = () => Promise<void>

export async function startVpn (node: EdgeNode, flags: ParsedFlags, address: string, logger: Logger): Promise<VpnService> {
  return await createVpnService({ host: node.host, ledger: node.ledger, logger: logger.child('vpn') }, {
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
  })
}

export interface DnsOptions {
  listen: string
  forward: boolean
  upstreams: string[]
  cacheSize: number
}

export async function startDns (node: EdgeNode, options: DnsOptions, logger: Logger): Promise<Stop> {
  const { createDnsServer } = await import('@edgevpn/dns')
  const dnsLogger = logger.child('dns')
  const server = createDnsServer({
    ledger: node.ledger,
    listen: options.listen,
    forward: options.forward,
    upstreams: options.upstreams,
    cacheSize: options.cacheSize,
    warn: message => { dnsLogger.warn(message) }
  })
  await server.start()
  dnsLogger.info('DNS server listening', { address: options.listen })
  return async () => { await server.stop() }
}

export interface ApiOptions {
  listen: string
  /** See `ApiServerInit.token`. */
  token?: string
  maxBodyBytes: number
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

export async function startApi (node: EdgeNode, options: ApiOptions, logger: Logger, vpn?: VpnService): Promise<Stop> {
  const [{ AnnouncingLedgerWriter, createApiServer }, { dnsRecords, nodeView, vpnMetrics }, { prometheusSources }] =
    await Promise.all([import('../api/index.js'), import('./api-adapters.js'), import('./prometheus-sources.js')])
  const apiLogger = logger.child('api')
  const writer = new AnnouncingLedgerWriter({ ledger: node.ledger, logger: apiLogger })
  const server = createApiServer({
    ...options,
    ledger: node.ledger,
    node: nodeView(node, vpn),
    writer,
    dns: dnsRecords(node, writer),
    metrics: vpn === undefined ? undefined : vpnMetrics(vpn),
    prometheus: prometheusSources(node, vpn),
    logger: apiLogger
  })
  try {
    await server.start()
  } catch (err) {
    await writer.stop()
    throw err
  }
  return async () => {
    await server.stop()
    await writer.stop()
  }
}
