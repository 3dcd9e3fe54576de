/**
 * Turns the parsed command line and environment into the options of an {@link EdgeNodeInit},
 * the way Go edgevpn's `cliToOpts` does, with one clear error per bad value.
 */
import { join } from 'node:path'
import { createLogger, defaultKeyCacheDir, loadNetworkConfig, loadOrCreatePrivateKey, parseLogLevel } from '@edgevpn/mesh-core'
import { UsageError } from '../cli/usage-error.js'
import type { ParsedFlags } from '../cli/flags.js'
import type { EdgeNodeInit } from './edge-node.js'
import type { Logger, MeshHostInit } from '@edgevpn/mesh-core'

export function loggerFromFlags (flags: ParsedFlags): Logger {
  const text = flags.string('log-level')
  const level = parseLogLevel(text)
  // Go falls back to the error level for an unknown name; say so instead of going quiet.
  const logger = createLogger({ level: level ?? 'error' })
  if (level === undefined) logger.error(`unknown --log-level ${JSON.stringify(text)}, logging errors only`)
  return logger
}

export async function nodeInitFromFlags (flags: ParsedFlags, logger: Logger): Promise<EdgeNodeInit> {
  rejectUnsupported(flags)
  const network = await loadNetworkConfig({ token: flags.string('token'), configFile: flags.string('config') })

  let privateKey: MeshHostInit['privateKey']
  if (flags.bool('privkey-cache')) {
    const dir = flags.string('privkey-cache-dir') === '' ? defaultKeyCacheDir() : flags.string('privkey-cache-dir')
    privateKey = await loadOrCreatePrivateKey(dir)
    logger.debug('identity loaded', { file: join(dir, 'privkey') })
  }

  const listen = flags.strings('listen-maddrs')
  const highWater = flags.int('connection-high-water')
  const maxConnections = highWater > 0 ? highWater : flags.int('max-connections')
  const host: MeshHostInit = {
    privateKey,
    listen: listen.length > 0 ? listen : undefined,
    announce: flags.strings('dht-announce-maddrs'),
    blacklist: flags.strings('blacklist'),
    bootstrapPeers: flags.strings('discovery-bootstrap-peers'),
    connectionLimits: maxConnections > 0 ? { maxConnections } : {},
    relayServer: flags.bool('relay-service')
      ? {
          reservationTtl: flags.duration('relay-service-reservation-ttl'),
          durationLimit: flags.duration('relay-service-max-duration'),
          dataLimit: BigInt(flags.int('relay-service-max-data'))
        }
      : undefined,
    mdns: flags.bool('mdns') ? { serviceName: network.mdns } : undefined
  }

  const discoveryInterval = flags.int('discovery-interval')
  if (discoveryInterval <= 0) throw new UsageError(`--discovery-interval must be a positive number of seconds, got ${discoveryInterval}`)
  return {
    network,
    host,
    discovery: { dht: flags.bool('dht') ? { interval: discoveryInterval * 1000 } : false },
    logger
  }
}

/** Flags Go edgevpn has whose feature this port does not have yet: refuse rather than ignore. */
function rejectUnsupported (flags: ParsedFlags): void {
  for (const name of ['peerguard', 'peergate']) {
    if (flags.bool(name)) throw new UsageError(`--${name}: trust zones are not supported by this edgevpn yet`)
  }
}
