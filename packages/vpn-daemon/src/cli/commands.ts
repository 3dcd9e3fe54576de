/** The command table of `edgevpn`: the root command (the VPN daemon) and its subcommands. */
import { dhcpLeaseFileName, encodeToken, generateNetworkConfig, networkConfigToYaml } from '@edgevpn/mesh-core'
import { apiOptionsFromFlags, startApi, startDns, startVpn } from '../daemon/services.js'
import { allocateAddress } from '../dhcp/index.js'
import { egressFlags, startEgress } from '../egress/start-egress.js'
import { VERSION } from '../version.js'
import { commonFlags } from './common-flags.js'
import { flag } from './flags.js'
import { dnsOptions, runNode } from './run-node.js'
import { fileReceiveCommand } from './commands/file-receive.js'
import { doctorCommand } from './commands/doctor.js'
import { fileSendCommand } from './commands/file-send.js'
import { proxyCommand } from './commands/proxy.js'
import { roleAgentCommand } from './commands/role-agent.js'
import { serviceAddCommand } from './commands/service-add.js'
import { serviceConnectCommand } from './commands/service-connect.js'
import { rootFlags } from './root-flags.js'
import type { Command, CommandContext } from './command.js'
import type { Stop } from '../daemon/services.js'
import type { EdgeNode } from '../node/edge-node.js'
import type { Logger } from '@edgevpn/mesh-core'

export const rootCommand: Command = {
  name: 'edgevpn',
  summary: 'run the VPN daemon',
  flags: [...rootFlags, ...egressFlags, ...commonFlags],
  run: async (context) => {
    const { flags } = context
    if (flags.bool('g')) return printNewConfig(context)
    return await runNode(context, true, async (node, logger) => {
      const stops: Stop[] = []
      const address = flags.bool('dhcp') ? await leaseAddress(node, context, logger) : flags.string('address')
      const vpn = await startVpn(node, flags, address, logger)
      stops.push(async () => { await vpn.stop() })
      if (flags.bool('egress')) stops.push(await startEgress(node, flags, logger))
      if (flags.string('dns') !== '') stops.push(await startDns(node, dnsOptions(context, flags.string('dns')), logger))
      if (flags.bool('api')) {
        // Go runs the API in the background and ignores its errors; keep the VPN up but say so.
        try {
          stops.push(await startApi(node, await apiOptionsFromFlags(flags, flags.string('api-listen')), logger, vpn))
        } catch (err) {
          logger.error(`API not started: ${(err as Error).message}`)
        }
      }
      return stops
    })
  }
}

/** `--dhcp`: the address from the lease file or allocated over the ledger, with `--address`'s prefix. */
async function leaseAddress (node: EdgeNode, { flags, stopped }: CommandContext, logger: Logger): Promise<string> {
  const [base, prefix = '24'] = flags.string('address').split('/')
  const abort = new AbortController()
  void stopped.then(() => { abort.abort(new Error('stopped while waiting for a DHCP address')) })
  const ip = await allocateAddress({ ledger: node.ledger, peerId: node.host.peerId.toString(), logger: logger.child('dhcp') }, {
    leaseFileName: dhcpLeaseFileName(node.network),
    leaseDir: flags.string('lease-dir') === '' ? undefined : flags.string('lease-dir'),
    baseAddress: base,
    prefixLength: Number(prefix),
    // Two ledger synchronisation rounds, so a claim whose broadcast was lost still arrives.
    settleMs: 2 * flags.int('ledger-synchronization-interval') * 1000,
    version: VERSION,
    signal: abort.signal
  })
  return `${ip}/${prefix}`
}

/** `edgevpn -g [-b]`: Go prints the YAML plus an empty line, and the token without a newline. */
function printNewConfig ({ flags, stdout }: CommandContext): number {
  const interval = flags.int('key-otp-interval')
  const config = generateNetworkConfig({ interval: BigInt(interval) })
  stdout(flags.bool('b') ? encodeToken(config) : networkConfigToYaml(config) + '\n')
  return 0
}

/** `edgevpn start`: a node without VPN (discovery, gossip, ledger, relay) until stopped. */
const startCommand: Command = {
  name: 'start',
  aliases: ['s'],
  summary: 'run a node without the VPN interface',
  flags: commonFlags,
  run: async (context) => await runNode(context, false, async () => [])
}

/** `edgevpn api`: a node with the HTTP API in the foreground; a bind error ends it. */
const apiCommand: Command = {
  name: 'api',
  summary: 'run a node with the HTTP API (and no VPN interface)',
  flags: [
    ...commonFlags,
    flag({ name: 'listen', aliases: ['l'], kind: 'string', default: '127.0.0.1:8080', usage: 'API address: host:port or unix:///path' }),
    flag({ name: 'enable-healthchecks', kind: 'bool', env: 'ENABLE_HEALTHCHECKS', default: false, usage: 'publish heartbeats (needed for ownership and the role client)' }),
    flag({ name: 'debug', kind: 'bool', default: false, usage: 'accepted for compatibility' })
  ],
  run: async (context) => await runNode(context, context.flags.bool('enable-healthchecks'), async (node, logger) =>
    [await startApi(node, await apiOptionsFromFlags(context.flags, context.flags.string('listen')), logger)])
}

/** `edgevpn dns`: a node with the DNS server, resolving mesh names without the VPN. */
const dnsCommand: Command = {
  name: 'dns',
  summary: 'run a node with the DNS server (and no VPN interface)',
  flags: [
    ...commonFlags,
    flag({ name: 'listen', aliases: ['l'], kind: 'string', env: 'DNSADDRESS', default: '', usage: 'DNS listen address (default: :53)' }),
    flag({ name: 'dns-forwarder', kind: 'bool', env: 'DNSFORWARD', default: true, usage: 'forward names the mesh does not know' }),
    flag({ name: 'dns-cache-size', kind: 'int', env: 'DNSCACHESIZE', default: 200, usage: 'DNS cache entries' }),
    flag({ name: 'dns-forward-server', kind: 'strings', env: 'DNSFORWARDSERVER', default: ['8.8.8.8:53', '1.1.1.1:53'], usage: 'upstream DNS servers' })
  ],
  run: async (context) => {
    const listen = context.flags.string('listen') === '' ? ':53' : context.flags.string('listen')
    return await runNode(context, false, async (node, logger) => [await startDns(node, dnsOptions(context, listen), logger)])
  }
}

export const commands: Command[] = [
  startCommand, apiCommand, dnsCommand, serviceAddCommand, serviceConnectCommand, fileSendCommand, fileReceiveCommand, proxyCommand, roleAgentCommand, doctorCommand
]
