/**
 * The root command of `edgevpn`: the VPN daemon. Kept apart from the subcommands so that a
 * daemon loads none of their code (see `commands.ts`); the parts it runs only on request (DHCP)
 * are imported when asked for.
 */
import { dhcpLeaseFileName, encodeToken, generateNetworkConfig, networkConfigToYaml } from '@edgevpn/mesh-core'
import { resolveVpnInit } from '@edgevpn/vpn'
import { startApi, startDns, startEgress, startVpn } from '../daemon/start-features.js'
import { egressFlags, egressInitFromFlags } from './egress-flags.js'
import { apiOptionsFromFlags, vpnInitFromFlags } from './feature-flags.js'
import { fastPortFailure, listenerAt, listening } from './listen-errors.js'
import { VERSION } from '../version.js'
import { commonFlags } from './common-flags.js'
import { dnsOptions, runNode } from './run-node.js'
import { rootFlags } from './root-flags.js'
import type { Command, CommandContext } from '@edgevpn/go-cli'
import type { Stop } from '../daemon/start-features.js'
import type { EdgeNode } from '../node/edge-node.js'
import type { Logger } from '@edgevpn/mesh-core'
import type { VpnService } from '@edgevpn/vpn'

export const rootCommand: Command = {
  name: 'edgevpn',
  summary: 'run the VPN daemon',
  flags: [...rootFlags, ...egressFlags, ...commonFlags],
  run: async (context) => {
    const { flags } = context
    if (flags.bool('g')) return printNewConfig(context)
    // Bad VPN flags end the command before the node joins the mesh (a DHCP address is checked later).
    resolveVpnInit(vpnInitFromFlags(flags, flags.string('address')))
    return await runNode(context, { alive: true, instance: `vpn-${flags.string('interface')}` }, async (node, logger) => {
      const stops: Stop[] = []
      let vpn: VpnService | undefined
      try {
        // The API first, as in Go: a Kairos agent polls it from boot, while a DHCP lease may take a while.
        if (flags.bool('api')) {
          // Go runs the API in the background and ignores its errors; keep the VPN up but say so.
          const apiListen = flags.string('api-listen')
          try {
            stops.push(await listening(listenerAt('--api-listen', apiListen, ['tcp']), async () => await startApi(node, await apiOptionsFromFlags(flags, apiListen), logger, () => vpn)))
          } catch (err) {
            logger.error(`API not started: ${(err as Error).message}`)
          }
        }
        const address = flags.bool('dhcp') ? await leaseAddress(node, context, logger) : flags.string('address')
        const started = await listening(fastPortFailure(flags.int('vpn-fast-port')), async () => await startVpn(node, vpnInitFromFlags(flags, address), logger))
        vpn = started
        stops.push(async () => { await started.stop() })
        if (flags.bool('egress')) stops.push(await startEgress(node, egressInitFromFlags(flags), logger))
        const dns = flags.string('dns')
        if (dns !== '') stops.push(await listening(listenerAt('--dns', dns, ['udp', 'tcp']), async () => await startDns(node, dnsOptions(context, dns), logger)))
        return stops
      } catch (err) {
        // runNode only stops what we return; undo what is running before failing.
        for (const stop of stops.reverse()) await stop()
        throw err
      }
    })
  }
}

/** `--dhcp`: the address from the lease file or allocated over the ledger, with `--address`'s prefix. */
async function leaseAddress (node: EdgeNode, { flags, stopped }: CommandContext, logger: Logger): Promise<string> {
  const { allocateAddress } = await import('../dhcp/index.js')
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
