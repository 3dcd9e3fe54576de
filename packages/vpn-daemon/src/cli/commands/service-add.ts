/** `edgevpn service-add NAME ADDRESS`: expose a TCP service to the network (Go `cmd/service.go`). */
import { exposeService, parseHostPort } from '../../services/index.js'
import { commonFlags } from '../common-flags.js'
import { flag } from '@edgevpn/go-cli'
import { runNode } from '../run-node.js'
import { nameAndTarget, nameFlag } from './service-args.js'
import type { Command } from '@edgevpn/go-cli'

export const serviceAddCommand: Command = {
  name: 'service-add',
  aliases: ['sa'],
  summary: 'expose a TCP service to the network',
  argsUsage: 'NAME ADDRESS',
  flags: [
    ...commonFlags,
    nameFlag,
    flag({ name: 'address', kind: 'string', default: '', usage: 'host:port of the service to expose' })
  ],
  run: async (context) => {
    const { name, target: address } = nameAndTarget(context, 'address')
    parseHostPort(address, 'service address')
    return await runNode(context, { alive: true, instance: 'service-add' }, async (node, logger) => {
      const service = await exposeService({ libp2p: node.host.libp2p, ledger: node.ledger, logger }, {
        name,
        address,
        announceIntervalMs: context.flags.int('ledger-announce-interval') * 1000
      })
      return [service.stop]
    })
  }
}
