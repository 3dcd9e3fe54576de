/**
 * `edgevpn proxy`: a node with a local HTTP proxy whose requests leave the mesh through the
 * egress nodes (Go edgevpn `cmd/proxy.go`).
 */
import { startApi } from '../../daemon/start-features.js'
import { apiOptionsFromFlags } from '../feature-flags.js'
import { HttpProxy } from '../../egress/index.js'
import { announceUser } from '../../services/users.js'
import { commonFlags } from '../common-flags.js'
import { flag, UsageError } from '@edgevpn/go-cli'
import { listenerAt, listening } from '../listen-errors.js'
import { runNode } from '../run-node.js'
import { listenersConflict } from './listeners-conflict.js'
import type { Stop } from '../../daemon/start-features.js'
import type { Command, ParsedFlags } from '@edgevpn/go-cli'

export const proxyCommand: Command = {
  name: 'proxy',
  summary: 'run a node with a local HTTP proxy to the egress nodes',
  flags: [
    ...commonFlags,
    flag({ name: 'listen', aliases: ['l'], kind: 'string', env: 'PROXYLISTEN', default: ':8080', usage: 'proxy listen address (host:port)' }),
    flag({ name: 'api', kind: 'bool', env: 'API', default: false, usage: 'also start the HTTP API' }),
    flag({ name: 'api-listen', kind: 'string', env: 'APILISTEN', default: '127.0.0.1:8081', usage: 'API address: host:port or unix:///path' }),
    flag({ name: 'debug', kind: 'bool', default: false, usage: 'accepted for compatibility' }),
    flag({ name: 'interval', kind: 'int', env: 'PROXYINTERVAL', default: 120, usage: 'users entry announce interval in seconds' }),
    flag({ name: 'dead-interval', kind: 'int', env: 'PROXYDEADINTERVAL', default: 600, usage: 'seconds after its last heartbeat an egress is no longer used' })
  ],
  run: async (context) => {
    const { flags } = context
    const listen = flags.string('listen')
    const apiListen = flags.string('api-listen')
    if (flags.bool('api') && await listenersConflict(listen, apiListen)) {
      throw new UsageError(`--listen (${JSON.stringify(listen)}) and --api-listen (${JSON.stringify(apiListen)}) would bind the same address: give the API a different one`)
    }
    const intervalMs = positiveSeconds(flags, 'interval') * 1000
    const deadIntervalMs = positiveSeconds(flags, 'dead-interval') * 1000
    // Unlike Go, the proxy runs the alive service: under ownership enforce a users entry whose
    // owner has no heartbeat is expired, so Go's proxy churns it and egresses may refuse us.
    return await runNode(context, { alive: true, instance: 'proxy' }, async (node, logger) => {
      const stops: Stop[] = []
      try {
        const users = announceUser(node.ledger, node.host.peerId.toString(), {
          intervalMs,
          onError: err => { logger.warn('users announce failed', { error: String(err) }) }
        })
        stops.push(async () => { await users.stop() })
        const proxy = new HttpProxy({ libp2p: node.host.libp2p, ledger: node.ledger, logger: logger.child('proxy') }, { listen, deadIntervalMs })
        await listening(listenerAt('--listen', listen, ['tcp']), async () => { await proxy.start() })
        stops.push(async () => { await proxy.stop() })
        if (flags.bool('api')) stops.push(await listening(listenerAt('--api-listen', apiListen, ['tcp']), async () => await startApi(node, await apiOptionsFromFlags(flags, apiListen), logger)))
        return stops
      } catch (err) {
        // runNode only stops what we return; undo what is running before failing.
        for (const stop of stops.reverse()) await stop()
        throw err
      }
    })
  }
}

function positiveSeconds (flags: ParsedFlags, name: string): number {
  const value = flags.int(name)
  if (value <= 0) throw new UsageError(`--${name} must be a positive number of seconds, got ${value}`)
  return value
}
