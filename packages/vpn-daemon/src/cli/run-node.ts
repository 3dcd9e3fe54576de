/** Running a node with a command's services until the process is asked to stop. */
import { containStreamErrors } from './contain-stream-errors.js'
import { failedListenMaddr, listening } from './listen-errors.js'
import { startEdgeNode } from '../node/edge-node.js'
import { loggerFromFlags, nodeInitFromFlags } from './node-flags.js'
import type { NodeFlagsOptions } from './node-flags.js'
import { VERSION } from '../version.js'
import { networkFingerprint } from '@edgevpn/mesh-core'
import type { CommandContext } from '@edgevpn/go-cli'
import type { DnsOptions, Stop } from '../daemon/start-features.js'
import type { EdgeNode } from '../node/edge-node.js'
import type { Logger } from '@edgevpn/mesh-core'

/**
 * Starts a node, then the command's services on it; runs until SIGINT/SIGTERM, then stops the
 * services in reverse order and the node, and exits 0.
 */
export async function runNode (context: CommandContext, options: NodeFlagsOptions, services: (node: EdgeNode, logger: Logger) => Promise<Stop[]>): Promise<number> {
  const logger = loggerFromFlags(context.flags)
  const init = await nodeInitFromFlags(context.flags, logger, options)
  logger.info('edgevpn starting', { version: VERSION, network: networkFingerprint(init.network) })
  const node = await listening(failedListenMaddr, async () => await startEdgeNode(init))
  const releaseErrors = containStreamErrors(logger)
  const stops: Stop[] = []
  try {
    stops.push(...await services(node, logger))
    await context.stopped
    logger.info('stopping')
  } finally {
    for (const stop of stops.reverse()) await stop().catch((err: unknown) => { logger.warn('error while stopping', { error: err }) })
    await node.stop()
    releaseErrors()
  }
  return 0
}

export function dnsOptions (context: CommandContext, listen: string): DnsOptions {
  const { flags } = context
  return { listen, forward: flags.bool('dns-forwarder'), upstreams: flags.strings('dns-forward-server'), cacheSize: flags.int('dns-cache-size') }
}

