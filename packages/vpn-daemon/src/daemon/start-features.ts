/**
 * Starting the features a command runs on top of an {@link EdgeNode}: the VPN, the DNS server,
 * the HTTP API and the egress, from options the CLI made of its flags. Each returns its stop function. The DNS server and
 * the API are imported when started: a daemon without them does not load their modules (and
 * the API's HTTP server).
 */
import { createVpnService } from '@edgevpn/vpn'
import type { EdgeNode } from '../node/edge-node.js'
import type { VpnService, VpnServiceInit } from '@edgevpn/vpn'
import type { EgressServiceInit } from '../egress/index.js'
import type { Logger } from '@edgevpn/mesh-core'

export type Stop = () => Promise<void>

export async function startVpn (node: EdgeNode, init: VpnServiceInit, logger: Logger): Promise<VpnService> {
  return await createVpnService({ host: node.host, ledger: node.ledger, logger: logger.child('vpn') }, init)
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
 * Starts the HTTP API. `vpn` gives the VPN of a VPN node once it is up: the API serves before it
 * (a Kairos agent polls it from boot while the DHCP lease may take a while), its VPN figures zero
 * until then.
 */
export async function startApi (node: EdgeNode, options: ApiOptions, logger: Logger, vpn?: () => VpnService | undefined): Promise<Stop> {
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
    // Go serves /api/metrics on every command; without a VPN (`edgevpn api`) the figures stay zero
    metrics: vpnMetrics(vpn ?? (() => undefined)),
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

export async function startEgress (node: EdgeNode, init: EgressServiceInit, logger: Logger): Promise<Stop> {
  const { EgressService } = await import('../egress/index.js')
  const egress = new EgressService({
    libp2p: node.host.libp2p,
    ledger: node.ledger,
    peerId: node.host.peerId.toString(),
    logger: logger.child('egress')
  }, init)
  await egress.start()
  return async () => { await egress.stop() }
}
