/**
 * The subcommands of `edgevpn` (the root command, the daemon, is `root-command.ts`). `main`
 * imports this table only when a command line names a subcommand or asks for help, so a daemon
 * does not load the code of every command (doctor, roles, services, proxy...).
 */
import { startApi, startDns } from '../daemon/start-features.js'
import { apiOptionsFromFlags } from './feature-flags.js'
import { listenerAt, listening } from './listen-errors.js'
import { commonFlags } from './common-flags.js'
import { flag } from '@edgevpn/go-cli'
import { dnsOptions, runNode } from './run-node.js'
import { fileReceiveCommand } from './commands/file-receive.js'
import { doctorCommand } from './commands/doctor.js'
import { fileSendCommand } from './commands/file-send.js'
import { proxyCommand } from './commands/proxy.js'
import { roleAgentCommand } from '@edgevpn/kairos-agent/cli'
import { serviceAddCommand } from './commands/service-add.js'
import { serviceConnectCommand } from './commands/service-connect.js'
import type { Command } from '@edgevpn/go-cli'

/** `edgevpn start`: a node without VPN (discovery, gossip, ledger, relay) until stopped. */
const startCommand: Command = {
  name: 'start',
  aliases: ['s'],
  summary: 'run a node without the VPN interface',
  flags: commonFlags,
  run: async (context) => await runNode(context, { alive: false, instance: 'start' }, async () => [])
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
  run: async (context) => await runNode(context, { alive: context.flags.bool('enable-healthchecks'), instance: 'api' }, async (node, logger) => {
    const listen = context.flags.string('listen')
    return [await listening(listenerAt('--listen', listen, ['tcp']), async () => await startApi(node, await apiOptionsFromFlags(context.flags, listen), logger))]
  })
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
    return await runNode(context, { alive: false, instance: 'dns' }, async (node, logger) =>
      [await listening(listenerAt('--listen', listen, ['udp', 'tcp']), async () => await startDns(node, dnsOptions(context, listen), logger))])
  }
}

export const commands: Command[] = [
  startCommand, apiCommand, dnsCommand, serviceAddCommand, serviceConnectCommand, fileSendCommand, fileReceiveCommand, proxyCommand, roleAgentCommand, doctorCommand
]
