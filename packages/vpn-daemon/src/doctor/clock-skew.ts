/**
 * How much clock skew a mesh tolerates. Every OTP value (DHT rendezvous, gossip topic, seal key)
 * is derived from `floor(unix seconds / interval)`, so two nodes `skew` apart compute different
 * values during `skew / interval` of every window, and never the same one once the skew reaches
 * the interval.
 */
import type { NetworkConfig } from '@edgevpn/mesh-core'

/** A rotating OTP of the token that clock skew can split. */
export interface OtpWindow {
  /** What the OTP keys: `gossip` (topic and seal key) or `dht` (rendezvous). */
  use: 'gossip' | 'dht'
  intervalS: number
}

/** The OTP windows of a network; an interval Go reads as >= 2^63 s never rotates and is left out. */
export function otpWindows (network: NetworkConfig): OtpWindow[] {
  const windows: OtpWindow[] = []
  if (network.otp.crypto.interval > 0n) windows.push({ use: 'gossip', intervalS: Number(network.otp.crypto.interval) })
  // an empty DHT key selects the static rendezvous string, which never rotates
  if (network.otp.dht.key !== '' && network.otp.dht.interval > 0n) windows.push({ use: 'dht', intervalS: Number(network.otp.dht.interval) })
  return windows
}

export interface SkewAssessment {
  /** `split`: no shared window at all; `partial`: windows differ part of the time; else `ok`. */
  level: 'ok' | 'partial' | 'split'
  /** The shortest OTP window the skew was compared with, when any rotates. */
  window?: OtpWindow
  /** Share of time the two nodes compute different values in that window, 0..1. */
  disagreement: number
}

/** Below this share of disagreement the skew is not worth a warning (gossip retries cover it). */
const NEGLIGIBLE_DISAGREEMENT = 0.05

/** Compares a clock offset with the shortest rotating OTP window of `network`. */
export function assessSkew (offsetMs: number, network: NetworkConfig): SkewAssessment {
  const window = otpWindows(network).sort((a, b) => a.intervalS - b.intervalS)[0]
  if (window === undefined) return { level: 'ok', disagreement: 0 }
  const disagreement = Math.min(1, Math.abs(offsetMs) / (window.intervalS * 1000))
  const level = disagreement >= 1 ? 'split' : disagreement > NEGLIGIBLE_DISAGREEMENT ? 'partial' : 'ok'
  return { level, window, disagreement }
}
