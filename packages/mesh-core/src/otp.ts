import { createHash, createHmac } from 'node:crypto'
import type { NetworkConfig } from './network-config.js'

/** Go treats the interval as an unsigned 64-bit number; a negative one wraps to >= 2^63. */
const U64 = 1n << 64n

/** Lowercase hex MD5 of the UTF-8 bytes of `text`. */
export function md5Hex (text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex')
}

/**
 * Edgevpn's TOTP: HMAC-SHA256 keyed with the raw key bytes over the big-endian 64-bit counter
 * `floor(unixSeconds / interval)`, standard base64, first `length` characters (`<= 0` means 6).
 *
 * @param nowMs - the wall-clock time in milliseconds
 * @throws RangeError when `interval` is 0 or `length` is above 44 (Go crashes in both cases)
 */
export function totp (key: string, interval: bigint, length: number, nowMs: number = Date.now()): string {
  if (interval === 0n) throw new RangeError('OTP interval must not be 0')
  if (length > 44) throw new RangeError(`OTP length ${length} is above 44, the length of a base64 SHA-256 MAC`)
  const seconds = BigInt(Math.floor(nowMs / 1000))
  const step = ((interval % U64) + U64) % U64
  const counter = Buffer.alloc(8)
  counter.writeBigUInt64BE(seconds / step)
  const mac = createHmac('sha256', Buffer.from(key, 'utf8')).update(counter).digest('base64')
  return mac.slice(0, length <= 0 ? 6 : length)
}

/**
 * The DHT rendezvous string at `nowMs`: `MD5hex(TOTP(dht))`, or the static `rendezvous` when the
 * DHT OTP key is empty. A DHT length of 0 means 12 characters (a negative one means 6, as in Go).
 */
export function dhtRendezvous (config: NetworkConfig, nowMs: number = Date.now()): string {
  const { key, interval, length } = config.otp.dht
  if (key === '') return config.rendezvous
  return md5Hex(totp(key, interval, length === 0 ? 12 : length, nowMs))
}

/** The gossipsub topic of the ledger at `nowMs`: `MD5hex(TOTP(crypto period, room))`. */
export function ledgerTopic (config: NetworkConfig, nowMs: number = Date.now()): string {
  return md5Hex(roomOtp(config, nowMs))
}

/** The generic ("public") gossipsub topic at `nowMs`, used by trust zones. */
export function publicTopic (config: NetworkConfig, nowMs: number = Date.now()): string {
  return md5Hex(roomOtp(config, nowMs) + 'public')
}

/**
 * The AES-256-GCM key that seals gossip at `nowMs`: the 32 ASCII bytes of the lowercase hex
 * `MD5hex(TOTP(crypto))` (not the 16 bytes it encodes).
 */
export function sealKey (config: NetworkConfig, nowMs: number = Date.now()): Buffer {
  const { key, interval, length } = config.otp.crypto
  return Buffer.from(md5Hex(totp(key, interval, length, nowMs)), 'ascii')
}

/** Name of the DHCP lease file in the lease directory: `MD5hex(crypto key + "-ek")`. */
export function dhcpLeaseFileName (config: NetworkConfig): string {
  return md5Hex(config.otp.crypto.key + '-ek')
}

function roomOtp (config: NetworkConfig, nowMs: number): string {
  const { interval, length } = config.otp.crypto
  return totp(config.room, interval, length, nowMs)
}

/**
 * The last `size` distinct values seen, newest last. Discovery advertises and searches every
 * rendezvous in the ring, so peers on either side of a rotation still meet for one more round.
 */
export class RecentValues {
  private readonly values: string[] = []
  private readonly size: number

  constructor (size: number = 2) {
    this.size = size
  }

  /** Adds `value` unless it equals the newest one; drops the oldest past `size`. */
  push (value: string): void {
    if (this.values.at(-1) === value) return
    this.values.push(value)
    if (this.values.length > this.size) this.values.shift()
  }

  list (): string[] {
    return [...this.values]
  }
}
