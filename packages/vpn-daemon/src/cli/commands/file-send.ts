/** `edgevpn file-send --name NAME --path PATH`: share a file with the network (Go `cmd/file.go`). */
import { checkSharedFile, shareFile } from '../../services/index.js'
import { commonFlags } from '../common-flags.js'
import { flag } from '@edgevpn/go-cli'
import { runNode } from '../run-node.js'
import { nameFlag, requireFlags } from './service-args.js'
import type { Command } from '@edgevpn/go-cli'

export const fileSendCommand: Command = {
  name: 'file-send',
  aliases: ['fs'],
  summary: 'share a file with the network',
  flags: [
    ...commonFlags,
    nameFlag,
    flag({ name: 'path', kind: 'string', default: '', usage: 'the file to share' })
  ],
  run: async (context) => {
    const { flags } = context
    requireFlags(context, ['name', 'path'])
    const path = flags.string('path')
    // fail before the node starts, as Go's stat does
    await checkSharedFile(path)
    return await runNode(context, { alive: true, instance: 'file-send' }, async (node, logger) => {
      const service = await shareFile({ libp2p: node.host.libp2p, ledger: node.ledger, logger }, {
        name: flags.string('name'),
        path,
        announceIntervalMs: flags.int('ledger-announce-interval') * 1000
      })
      return [service.stop]
    })
  }
}
