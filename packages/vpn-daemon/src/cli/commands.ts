/** The command table of `edgevpn`: the root command (the VPN daemon) and its subcommands. */
import { encodeToken, generateNetworkConfig, networkConfigToYaml } from '@edgevpn/mesh-core'
import { commonFlags } from './common-flags.js'
import { rootFlags } from './root-flags.js'
import { UsageError } from './usage-error.js'
import { loggerFromFlags, nodeInitFromFlags } from '../node/node-options.js'
import { startEdgeNode } from '../node/edge-node.js'
import type { Command, CommandContext } from './command.js'

export const rootCommand: Command = {
  name: 'edgevpn',
  summary: 'run the VPN daemon',
  flags: [...rootFlags, ...commonFlags],
  run: async (context) => {
    if (context.flags.bool('g')) return printNewConfig(context)
    throw new UsageError('the VPN data plane is not available in this build yet; run "edgevpn start" for a node without VPN')
  }
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
  run: async ({ flags, stopped }) => {
    const logger = loggerFromFlags(flags)
    const node = await startEdgeNode(await nodeInitFromFlags(flags, logger))
    await stopped
    logger.info('stopping')
    await node.stop()
    return 0
  }
}

export const commands: Command[] = [startCommand]
