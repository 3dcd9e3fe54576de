/** The byte counter the idle measurement reads: traffic over the loopback device of a namespace. */

/**
 * Bytes the loopback device has transmitted, from the text of `/proc/net/dev` (each loopback
 * byte is transmitted once and received once, so this counts it once).
 *
 * @returns `NaN` when the text has no `lo` line
 */
export function loopbackTransmittedBytes (procNetDev: string): number {
  const line = procNetDev.split('\n').find(l => l.trim().startsWith('lo:'))
  if (line === undefined) return NaN
  // After `lo:`: 8 receive counters, then transmitted bytes.
  return Number(line.split(':')[1].trim().split(/\s+/)[8])
}
