/** `edgevpn --egress`: the flags of the egress service on a VPN node and their options. */
import { flag, UsageError } from '@edgevpn/go-cli'
import type { FlagSpec, ParsedFlags } from '@edgevpn/go-cli'
import type { EgressServiceInit } from '../egress/index.js'

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
 * The egress options of `--egress-announce-time` and `--egress-allow-private`; the VPN's own
 * subnet (`--address`) is refused as a destination unless private ones are allowed.
 */
export function egressInitFromFlags (flags: ParsedFlags): EgressServiceInit {
  const announceSeconds = flags.int('egress-announce-time')
  if (announceSeconds <= 0) throw new UsageError(`--egress-announce-time must be a positive number of seconds, got ${announceSeconds}`)
  return {
    announceIntervalMs: announceSeconds * 1000,
    allowPrivate: flags.bool('egress-allow-private'),
    blockedSubnets: [flags.string('address')]
  }
}
