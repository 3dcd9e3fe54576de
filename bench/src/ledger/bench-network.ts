/** The network all nodes of one benchmark mesh join: fresh secrets per mesh, sent to each worker. */
import { randomBytes } from 'node:crypto'
import type { NetworkConfig } from '@edgevpn/mesh-core'

/** The JSON-safe part of a {@link NetworkConfig} that differs between meshes. */
export interface NetworkSecrets {
  dhtKey: string
  cryptoKey: string
  room: string
  rendezvous: string
  mdns: string
}

export function newNetworkSecrets (): NetworkSecrets {
  const secret = (): string => randomBytes(16).toString('hex')
  return { dhtKey: secret(), cryptoKey: secret(), room: secret(), rendezvous: secret(), mdns: secret() }
}

export function networkConfig (secrets: NetworkSecrets): NetworkConfig {
  const otp = (key: string): NetworkConfig['otp']['dht'] => ({ interval: 360n, key, length: 43 })
  return {
    otp: { dht: otp(secrets.dhtKey), crypto: otp(secrets.cryptoKey) },
    room: secrets.room,
    rendezvous: secrets.rendezvous,
    mdns: secrets.mdns,
    maxMessageSize: 20 * 1024 * 1024
  }
}
