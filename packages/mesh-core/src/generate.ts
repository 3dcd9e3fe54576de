import { randomInt } from 'node:crypto'
import type { NetworkConfig } from './network-config.js'

/** The alphabet of Go edgevpn's `RandStringRunes`. */
const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ1234567890'
/** Length of every generated secret, and the OTP length Go always writes. */
const SECRET_LENGTH = 43

export interface GenerateNetworkConfigInit {
  /**
   * OTP rotation period in seconds for both the DHT and the crypto block (the CLI passes 360).
   *
   * @default 9000n
   */
  interval?: bigint

  /**
   * Largest gossip message in bytes.
   *
   * @default 20971520
   */
  maxMessageSize?: number
}

/**
 * A fresh network: random 43-character keys, room, rendezvous and mDNS name (CSPRNG, same
 * alphabet as Go), OTP lengths 43.
 */
export function generateNetworkConfig (init: GenerateNetworkConfigInit = {}): NetworkConfig {
  const interval = init.interval ?? 9000n
  return {
    otp: {
      dht: { interval, key: randomSecret(), length: SECRET_LENGTH },
      crypto: { interval, key: randomSecret(), length: SECRET_LENGTH }
    },
    room: randomSecret(),
    rendezvous: randomSecret(),
    mdns: randomSecret(),
    maxMessageSize: init.maxMessageSize ?? 20 * 1024 * 1024
  }
}

function randomSecret (): string {
  return Array.from({ length: SECRET_LENGTH }, () => ALPHABET[randomInt(ALPHABET.length)]).join('')
}
