/**
 * The network configuration shared by every node of one mesh. A token is this structure as
 * yaml.v2 YAML, base64-encoded (see `token.ts`).
 */

/** One OTP block of the config (`otp.dht` or `otp.crypto`). */
export interface OtpConfig {
  /**
   * Rotation period in seconds. Kept as a bigint because Kairos writes Go's MaxInt64 here; Go
   * reinterprets the value as unsigned, so a negative interval is valid and never rotates.
   */
  interval: bigint
  /** Shared secret; its raw UTF-8 bytes are the HMAC key (no base32 decoding). */
  key: string
  /** Number of base64 characters of the HMAC kept; `<= 0` means 6 (the DHT uses 12 for 0). */
  length: number
}

export interface NetworkConfig {
  otp: {
    /** Rotating DHT rendezvous. An empty key selects the static `rendezvous` string instead. */
    dht: OtpConfig
    /** Period and length of both the gossip topic and the seal key; `key` seeds the seal key. */
    crypto: OtpConfig
  }
  /** Secret from which the gossip topic names are derived. */
  room: string
  /** Static DHT rendezvous, used only when `otp.dht.key` is empty. */
  rendezvous: string
  /** mDNS service name (the browse name is `<mdns>.local`). */
  mdns: string
  /** Largest gossip message in bytes (gossipsub RPC limit). */
  maxMessageSize: number
}
