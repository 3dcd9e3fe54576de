/**
 * Turns the parsed command line and environment into the options of an {@link EdgeNodeInit},
 * the way Go edgevpn's `cliToOpts` does, with one clear error per bad value.
 */
import { join } from 'node:path'
import { parseOwnershipMode } from '@edgevpn/ledger'
import { claimIdentity, createLogger, DEFAULT_LOW_WATER, KeyCacheError, defaultKeyCacheDir, loadNetworkConfig, loadOrCreatePrivateKey, networkFingerprint, parseLogLevel, PRIVATE_KEY_FILE, PUBLIC_DHT_BOOTSTRAP_PEERS } from '@edgevpn/mesh-core'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { UsageError } from '@edgevpn/go-cli'
import type { ParsedFlags } from '@edgevpn/go-cli'
import type { EdgeNodeInit } from '../node/edge-node.js'
import type { DiscoveryInit, Logger, NetworkConfig } from '@edgevpn/mesh-core'

export function loggerFromFlags (flags: ParsedFlags): Logger {
  const text = flags.string('log-level')
  const level = parseLogLevel(text)
  // Go falls back to the error level for an unknown name; say so instead of going quiet.
  const logger = createLogger({ level: level ?? 'error' })
  if (level === undefined) logger.error(`unknown --log-level ${JSON.stringify(text)}, logging errors only`)
  return logger
}

export interface NodeFlagsOptions {
  /** Run the alive service (heartbeats and reaping): the VPN, services and `api --enable-healthchecks`. */
  alive: boolean
  /**
   * What tells this node apart from other daemons of the same network on the host (the VPN's
   * interface, or the command): each instance keeps its own identity across restarts. Undefined
   * for a throwaway node (`doctor`), which gets a new one.
   */
  instance: string | undefined
}

export async function nodeInitFromFlags (flags: ParsedFlags, logger: Logger, options: NodeFlagsOptions): Promise<EdgeNodeInit> {
  rejectUnsupported(flags)
  const network = await loadNetworkConfig({ token: flags.string('token'), configFile: flags.string('config') })

  const mode = parseOwnershipMode(flags.string('ownership'))
  const privateKey = await identityFromFlags(flags, network, options.instance, logger, mode !== 'off')

  const listen = flags.strings('listen-maddrs')
  const highWater = flags.int('connection-high-water')
  const maxConnections = highWater > 0 ? highWater : flags.int('max-connections')
  const host: EdgeNodeInit['host'] = {
    listen: listen.length > 0 ? listen : undefined,
    announce: flags.strings('dht-announce-maddrs'),
    blacklist: flags.strings('blacklist'),
    bootstrapPeers: flags.strings('discovery-bootstrap-peers'),
    connectionLimits: maxConnections > 0 ? { maxConnections } : {},
    relayServer: flags.bool('relay-service')
      ? {
          reservationTtl: flags.duration('relay-service-reservation-ttl'),
          durationLimit: flags.duration('relay-service-max-duration'),
          dataLimit: BigInt(flags.int('relay-service-max-data')),
          maxCircuits: flags.int('relay-service-max-circuits')
        }
      : undefined,
    relayClient: relayClientFromFlags(flags),
    holePunch: flags.bool('holepunch'),
    natPortMap: flags.bool('natmap'),
    dht: flags.bool('dht'),
    mdns: flags.bool('mdns') ? { serviceName: network.mdns } : undefined
  }

  const discoveryInterval = positiveSeconds(flags, 'discovery-interval')
  const heartbeatS = positiveSeconds(flags, 'aliveness-healthcheck-interval')
  const ttlS = flags.int('ownership-ttl')
  if (ttlS < 0) throw new UsageError(`--ownership-ttl must not be negative, got ${ttlS}`)
  return {
    network,
    privateKey,
    host,
    discovery: { dht: flags.bool('dht') ? dhtFromFlags(flags, discoveryInterval) : false, connections: connectionBudgetFromFlags(flags) },
    ledger: {
      mode,
      // Go: 0 means four heartbeat intervals, so a live node never looks dead between beats.
      ownershipTtlMs: (ttlS === 0 ? 4 * heartbeatS : ttlS) * 1000,
      maxEntriesPerOwner: positiveCount(flags, 'ledger-max-entries-per-owner'),
      stateDir: flags.string('ledger-state') === '' ? undefined : flags.string('ledger-state'),
      sync: { syncIntervalMs: positiveSeconds(flags, 'ledger-synchronization-interval') * 1000 }
    },
    relayAcl: flags.bool('relay-service-network-only') ? { refreshMs: flags.duration('relay-service-acl-refresh') } : undefined,
    alive: options.alive
      ? {
          heartbeatIntervalMs: heartbeatS * 1000,
          scrubIntervalMs: positiveSeconds(flags, 'aliveness-healthcheck-scrub-interval') * 1000,
          maxIntervalMs: positiveSeconds(flags, 'aliveness-healthcheck-max-interval') * 1000
        }
      : undefined,
    logger
  }
}

/**
 * The node's key: Go's `--privkey-cache` file; else, unless `--ephemeral-identity`, the identity
 * of this network and instance, so a restarted node owns its ledger entries (and its VPN address)
 * again at once; else a new key.
 */
async function identityFromFlags (flags: ParsedFlags, network: NetworkConfig, instance: string | undefined, logger: Logger, owning: boolean): Promise<EdgeNodeInit['privateKey']> {
  const dir = flags.string('privkey-cache-dir') === '' ? defaultKeyCacheDir() : flags.string('privkey-cache-dir')
  if (flags.bool('privkey-cache')) {
    logger.debug('identity loaded', { file: join(dir, PRIVATE_KEY_FILE) })
    return await loadOrCreatePrivateKey(dir)
  }
  if (instance === undefined || flags.bool('ephemeral-identity')) {
    if (instance !== undefined && owning) logger.info('ownership is on with an ephemeral identity: entries this node wrote are orphaned when it restarts')
    return await generateKeyPair('Ed25519')
  }
  const instanceDir = join(dir, 'nodes', networkFingerprint(network), instance)
  try {
    const identity = await claimIdentity(instanceDir)
    logger.debug('identity loaded', { file: join(identity.dir, PRIVATE_KEY_FILE) })
    return identity.privateKey
  } catch (err) {
    // a read-only home must not keep the VPN down: run as Go does, and say what is lost
    if (!(err instanceof KeyCacheError) && !isFileSystemError(err)) throw err
    logger.warn(`cannot keep this node's identity in ${instanceDir} (${(err as Error).message}); running with a new one that a restart will not keep (--privkey-cache-dir picks a writable directory, --ephemeral-identity silences this)`)
    return await generateKeyPair('Ed25519')
  }
}

function isFileSystemError (err: unknown): boolean {
  return err instanceof Error && 'code' in err && typeof err.code === 'string' && /^E[A-Z]+$/.test(err.code)
}

/** Go `--autorelay`: reservations on the static relays, and on discovered ones unless static-only. */
function relayClientFromFlags (flags: ParsedFlags): EdgeNodeInit['host']['relayClient'] {
  if (!flags.bool('autorelay')) return undefined
  return {
    staticRelays: flags.strings('autorelay-static-peer'),
    discoverRelays: !flags.bool('autorelay-static-only')
  }
}

function positiveCount (flags: ParsedFlags, name: string): number {
  const value = flags.int(name)
  if (value <= 0) throw new UsageError(`--${name} must be a positive number, got ${value}`)
  return value
}

function positiveSeconds (flags: ParsedFlags, name: string): number {
  const value = flags.int(name)
  if (value <= 0) throw new UsageError(`--${name} must be a positive number of seconds, got ${value}`)
  return value
}

/** Flags Go edgevpn has whose feature this port does not have yet: refuse rather than ignore. */
function rejectUnsupported (flags: ParsedFlags): void {
  for (const name of ['peerguard', 'peergate']) {
    if (flags.bool(name)) throw new UsageError(`--${name}: trust zones are not supported by this edgevpn yet`)
  }
}

/**
 * The connection budget: discovery dials while fewer than `--connection-low-water` peers are
 * connected, idle connections above `--connection-high-water` are closed (0: the defaults).
 */
function connectionBudgetFromFlags (flags: ParsedFlags): DiscoveryInit['connections'] {
  const low = flags.int('connection-low-water')
  const high = flags.int('connection-high-water')
  if (low < 0 || high < 0) throw new UsageError(`--connection-low-water and --connection-high-water must not be negative, got ${low} and ${high}`)
  if (high > 0 && low > 0 && high < low) throw new UsageError(`--connection-high-water (${high}) must not be below --connection-low-water (${low})`)
  if (high === 0) return low > 0 ? { low } : {}
  // a high water mark alone below the default low one lowers both
  return { low: low > 0 ? low : Math.min(DEFAULT_LOW_WATER, high), high }
}

/**
 * The DHT discovery of `--dht`: with no `--discovery-bootstrap-peers` it enters the public IPFS
 * DHT, as Go does, so that nodes in different networks meet with default flags.
 */
function dhtFromFlags (flags: ParsedFlags, discoveryIntervalS: number): Exclude<DiscoveryInit['dht'], false | undefined> {
  const bootstrap = flags.strings('discovery-bootstrap-peers')
  return {
    interval: discoveryIntervalS * 1000,
    ...(bootstrap.length === 0 ? { entryPoints: [...PUBLIC_DHT_BOOTSTRAP_PEERS] } : {})
  }
}
