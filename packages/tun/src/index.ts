/**
 * @packageDocumentation
 *
 * Linux TUN devices for the edgevpn data plane, through a small N-API addon: the device is created and
 * configured with ioctls (no `ip` binary), read without threads from a `uv_poll_t` on the main loop in
 * batches of packets (one JS call per batch), and written one packet or one batch per call. A device
 * can also hand its packets to a native fast path (`startFastPath`, see `FastPath`): two threads that
 * carry the encrypted fast channels to peers off the JS thread.
 *
 * @example
 *
 * ```ts
 * import { createSocket } from 'node:dgram'
 * import { openTun } from '@edgevpn/tun'
 *
 * const udp = createSocket('udp4')
 * const tun = openTun({ name: 'edgevpn0', address: '10.1.0.1/24', mtu: 1420 })
 * tun.onPackets((batch) => {
 *   for (const packet of batch) {
 *     // `packet` views a reused buffer: copy it before handing it to anything asynchronous
 *     if (packet[0] >> 4 === 4) udp.send(Buffer.from(packet), 5000, '192.0.2.7')
 *   }
 * })
 * // packets from the peer go back into the kernel
 * udp.on('message', (packet) => { tun.write(packet) })
 * process.on('SIGTERM', () => { tun.close(); udp.close() })
 * ```
 */

export { openTun } from './open-tun.js'
export { tunUnavailableReason } from './availability.js'
export { loadedAddonPath, platformTag } from './native-binding.js'
export { TunError } from './tun-error.js'
export { checkInterfaceName, resolveTunInit, VNET_HDR_BYTES } from './tun-init.js'
export { parseCidr } from './cidr.js'
export { setSocketOption, SOCKET_OPTION } from './socket-option.js'
export type { TunErrorCode, TunErrorOptions } from './tun-error.js'
export type { TunInit, ResolvedTunInit } from './tun-init.js'
export type { InterfaceAddress } from './cidr.js'
export type { TunDevice, TunStats, PacketHandler, TunErrorHandler } from './tun-device.js'
export type { PacketBatch } from './packet-batch.js'
export type {
  AllowedSources, FastChannelClosedHandler, FastPath, FastPathInit, FastReceiveChannel, FastReceiveCounters, FastReceiverInit,
  FastSendChannel, FastSendCounters
} from './fast-path.js'
