import { createHash } from 'node:crypto'
import { ConfigError } from './config-error.js'
import { networkConfigToYaml, readNetworkConfigBytes } from './config-yaml.js'
import { Base64SyntaxError, decodeStdBase64 } from '@edgevpn/go-compat'
import { validateNetworkConfig } from './validate-network-config.js'
import type { NetworkConfig } from './network-config.js'

const SOURCE = 'network token'

/**
 * Decodes a network token: standard padded base64 with Go's exact strictness (only `\r`/`\n`
 * are skipped) of the yaml.v2 config, then validates it. An empty token means "no token" to the
 * callers and is not accepted here.
 *
 * @throws ConfigError when the token is not base64, not a config, or not usable
 */
export function decodeToken (token: string): NetworkConfig {
  const config = readToken(token)
  validateNetworkConfig(config, SOURCE)
  return config
}

/** Encodes the config as the token Go edgevpn writes (`edgevpn -g -b`), byte for byte. */
export function encodeToken (config: NetworkConfig): string {
  return Buffer.from(networkConfigToYaml(config), 'utf8').toString('base64')
}

/**
 * A short, non-secret name of the network: 12 hex characters of the SHA-256 of its token. Nodes
 * that print different fingerprints hold different tokens and will never meet; logs show it so
 * that mistake is visible at a glance.
 */
export function networkFingerprint (config: NetworkConfig): string {
  return createHash('sha256').update(encodeToken(config)).digest('hex').slice(0, 12)
}

/** {@link decodeToken} without the validation, for a token that a config file overrides. */
export function readToken (token: string): NetworkConfig {
  if (token === '') throw new ConfigError(`invalid ${SOURCE}: empty`)
  let bytes: Uint8Array
  try {
    bytes = decodeStdBase64(token)
  } catch (err) {
    if (err instanceof Base64SyntaxError) throw new ConfigError(`invalid ${SOURCE}: not base64 (${err.message})`)
    throw err
  }
  return readNetworkConfigBytes(bytes, SOURCE)
}
