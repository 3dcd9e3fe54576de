/**
 * Tells interactive packets (pings, TCP handshakes and bare ACKs, DNS and other small UDP) from
 * bulk ones, so that the send queue can put them first: they carry no bulk payload, so they
 * cost the bulk flows nothing, and a bare ACK or a ping stuck behind megabytes of data is what
 * makes a loaded tunnel feel slow.
 */
import { IPV4_HEADER_BYTES, IPV6_HEADER_BYTES } from './ip-packet.js'
import { VNET_GSO_NONE } from './vnet-header.js'

const ICMP = 1
const TCP = 6
const UDP = 17
const ICMPV6 = 58
const TCP_SYN = 0x02
const TCP_HEADER_BYTES = 20
/** UDP packets up to this IP length count as interactive (a classic DNS answer fits). */
export const MAX_INTERACTIVE_UDP_BYTES = 576

/**
 * Whether the IP packet at `bytes[offset, offset + length)` is interactive. Unknown or truncated
 * packets are bulk.
 */
export function isInteractivePacket (bytes: Uint8Array, offset: number, length: number): boolean {
  if (length < 1) return false
  const version = bytes[offset] >> 4
  let protocol: number
  let headerBytes: number
  if (version === 4) {
    headerBytes = (bytes[offset] & 0x0f) * 4
    if (length < IPV4_HEADER_BYTES || headerBytes < IPV4_HEADER_BYTES) return false
    protocol = bytes[offset + 9]
  } else if (version === 6) {
    headerBytes = IPV6_HEADER_BYTES
    if (length < headerBytes) return false
    protocol = bytes[offset + 6]
  } else {
    return false
  }
  if (protocol === ICMP || protocol === ICMPV6) return true
  if (protocol === UDP) return length <= MAX_INTERACTIVE_UDP_BYTES
  if (protocol !== TCP || length < headerBytes + TCP_HEADER_BYTES) return false
  const tcp = offset + headerBytes
  if ((bytes[tcp + 13] & TCP_SYN) !== 0) return true
  const payload = length - headerBytes - (bytes[tcp + 12] >> 4) * 4
  return payload <= 0
}

/**
 * Whether the offload unit (virtio header + IP packet) at `bytes[offset, offset + length)` is
 * interactive; a GSO super-packet never is.
 */
export function isInteractiveUnit (bytes: Uint8Array, offset: number, length: number, headerBytes: number): boolean {
  if (headerBytes > 0 && (length <= headerBytes || bytes[offset + 1] !== VNET_GSO_NONE)) return false
  return isInteractivePacket(bytes, offset + headerBytes, length - headerBytes)
}
