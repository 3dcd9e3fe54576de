import { readFile } from 'node:fs/promises'
import { ConfigError } from './config-error.js'
import { readNetworkConfigBytes } from './config-yaml.js'
import { readToken } from './token.js'
import { validateNetworkConfig } from './validate-network-config.js'
import type { NetworkConfig } from './network-config.js'

export interface LoadNetworkConfigInit {
  /** Base64 network token (`--token`/`EDGEVPNTOKEN`); empty means none. */
  token?: string
  /** Path of a YAML config file (`--config`/`EDGEVPNCONFIG`); empty means none. */
  configFile?: string
}

/**
 * The config a node runs with. As in Go, the token is applied first and the config file after
 * it, so a file replaces the token's values entirely (each is still checked to parse); only the
 * config in effect is validated.
 *
 * @throws ConfigError when neither is given, the file cannot be read, or either is invalid
 */
export async function loadNetworkConfig (init: LoadNetworkConfigInit): Promise<NetworkConfig> {
  const token = init.token ?? ''
  const configFile = init.configFile ?? ''
  if (configFile !== '') {
    // Go still fails on a bad token even though the file then replaces it
    if (token !== '') readToken(token)
    const source = `network config ${configFile}`
    return validated(readNetworkConfigBytes(await readConfigFile(configFile), source), source)
  }
  if (token !== '') return validated(readToken(token), 'network token')
  throw new ConfigError('EDGEVPNCONFIG or EDGEVPNTOKEN not supplied. At least a config file is required')
}

function validated (config: NetworkConfig, source: string): NetworkConfig {
  validateNetworkConfig(config, source)
  return config
}

async function readConfigFile (path: string): Promise<Uint8Array> {
  try {
    return await readFile(path)
  } catch (err) {
    throw new ConfigError(`cannot read network config file ${path}: ${(err as Error).message}`)
  }
}
