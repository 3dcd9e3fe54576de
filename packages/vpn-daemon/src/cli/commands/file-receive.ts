/** `edgevpn file-receive NAME PATH`: download a shared file once, then exit 0 (Go `cmd/file.go`). */
import { checkReceivePath, receiveFile } from '../../services/index.js'
import { commonFlags } from '../common-flags.js'
import { flag } from '@edgevpn/go-cli'
import { runNode } from '../run-node.js'
import { nameAndTarget, nameFlag } from './service-args.js'
import type { Command } from '@edgevpn/go-cli'

export const fileReceiveCommand: Command = {
  name: 'file-receive',
  aliases: ['fr'],
  summary: 'download a file from the network, then exit',
  argsUsage: 'NAME PATH',
  flags: [
    ...commonFlags,
    nameFlag,
    flag({ name: 'path', kind: 'string', default: '', usage: 'where to write the file' })
  ],
  run: async (context) => {
    const { name, target: path } = nameAndTarget(context, 'path')
    await checkReceivePath(path)
    const done = Promise.withResolvers<void>()
    let failure: unknown
    // the node runs until the download ends (or a signal): then it stops like on SIGTERM
    const status = await runNode({ ...context, stopped: Promise.race([context.stopped, done.promise]) }, { alive: true, instance: 'file-receive' }, async (node, logger) => {
      const abort = new AbortController()
      const download = receiveFile({ libp2p: node.host.libp2p, ledger: node.ledger, logger }, {
        name,
        path,
        announceIntervalMs: context.flags.int('ledger-announce-interval') * 1000,
        signal: abort.signal
      }).catch((err: unknown) => { if (!abort.signal.aborted) failure = err }).finally(done.resolve)
      return [async () => {
        abort.abort(new Error('stopped before the file was received'))
        await download
      }]
    })
    if (failure !== undefined) throw failure
    return status
  }
}
