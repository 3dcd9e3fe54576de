import { ConfigError } from './config-error.js'
import type { NetworkConfig } from './network-config.js'

/** A base64 HMAC-SHA256 has 44 characters; Go panics slicing more. */
const MAX_OTP_LENGTH = 44

/**
 * Rejects the values that make a Go node crash or stall once it runs: a crypto interval of 0
 * (division by zero in the topic and seal-key OTP), a DHT interval of 0 while the DHT OTP is in
 * use, an OTP length above 44, and a missing or non-positive `max_message_size`. Negative intervals
 * are valid (they never rotate).
 *
 * @param source - what the config was read from, for the message
 * @throws ConfigError naming the first bad field
 */
export function validateNetworkConfig (config: NetworkConfig, source: string = 'network config'): void {
  const fail = (problem: string): never => { throw new ConfigError(`invalid ${source}: ${problem}`) }
  const { dht, crypto } = config.otp
  if (crypto.interval === 0n) fail('otp.crypto.interval must not be 0')
  if (dht.interval === 0n && dht.key !== '') fail('otp.dht.interval must not be 0 while otp.dht.key is set')
  for (const [name, length] of [['otp.dht.length', dht.length], ['otp.crypto.length', crypto.length]] as const) {
    if (length > MAX_OTP_LENGTH) fail(`${name} must be at most ${MAX_OTP_LENGTH}, got ${length}`)
  }
  if (config.maxMessageSize === 0) fail('max_message_size is missing or 0')
  if (config.maxMessageSize < 0) fail(`max_message_size must be positive, got ${config.maxMessageSize}`)
}
