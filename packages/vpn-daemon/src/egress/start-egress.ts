/** `edgevpn --egress`: the egress service on a VPN node, from the command line. */
import { flag } from '../cli/flags.js'
import { UsageError } from '../cli/usage-error.js'
import { EgressService } from './egress-service.js'
import type { FlagSpec, ParsedFlags } from '../cli/flags.js'
import type { Stop } from '../daemon/services.js'
import type { EdgeNode } from '../node/edge-node.js'
import type { Logger } from '@edgevpn/mesh-core'

/** Root-command flags of the egress that Go edgevpn does not have. */
export const egressFlags: FlagSpec[] = [
  flag({
    name: 'egress-allow-private',
    kind: 'bool',
    env: 'EGRESSALLOWPRIVATE',
    default: false,
    usage: 'let egress users reach loopback, link-local, private and VPN addresses (not in Go edgevpn)'
  })
]

/**
 * Starts the egress with `--egress-announce-time` and `--egress-allow-private`; the VPN's own
 * subnet (`--address`) is refused as a destination unless private ones are allowed.
 */
export async function startEgress (node: EdgeNode, flags: ParsedFlags, logger: Logger): Promise<Stop> {
  const announceSeconds = flags.int('egress-announce-time')
  if (announceSeconds <= 0) throw new UsageError(`--egress-announce-time must be a positive number of seconds, got ${announceSeconds}`)
  const egress = new EgressService({
    libp2p: node.host.libp2p,
    ledger: node.ledger,
    peerId: node.host.peerId.toString(),
    logger: logger.child('egress')
  }, {
    announceIntervalMs: announceSeconds * 1000,
    allowPrivate: flags.bool('egress-allow-private'),
    blockedSubnets: [flags.string('address')]
  })
  await egress.start()
  return async () => { await egress.stop() }
}
