/** `edgevpn service-connect NAME BIND`: reach a network service through a local TCP port (Go `cmd/service.go`). */
import { connectService, parseHostPort } from '../../services/index.js'
import { commonFlags } from '../common-flags.js'
import { flag } from '@edgevpn/go-cli'
import { listenerAt, listening } from '../listen-errors.js'
import { runNode } from '../run-node.js'
import { nameAndTarget, nameFlag } from './service-args.js'
import type { Command } from '@edgevpn/go-cli'

export const serviceConnectCommand: Command = {
  name: 'service-connect',
  aliases: ['sc'],
  summary: 'reach a network service through a local TCP port',
  argsUsage: 'NAME ADDRESS',
  flags: [
    ...commonFlags,
    nameFlag,
    flag({ name: 'address', kind: 'string', default: '', usage: 'local host:port (or :port) to listen on' })
  ],
  run: async (context) => {
    const { name, target: listen } = nameAndTarget(context, 'address')
    parseHostPort(listen, 'listen address')
    return await runNode(context, { alive: true, instance: 'service-connect' }, async (node, logger) => {
      const service = await listening(listenerAt('service-connect', listen, ['tcp']), async () => await connectService({ libp2p: node.host.libp2p, ledger: node.ledger, logger }, {
        name,
        listen,
        announceIntervalMs: context.flags.int('ledger-announce-interval') * 1000
      }))
      return [service.stop]
    })
  }
}
