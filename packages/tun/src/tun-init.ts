import { parseCidr } from './cidr.js'
import { TunError } from './tun-error.js'
import type { InterfaceAddress } from './cidr.js'

/** Options of {@link openTun}. */
export interface TunInit {
  /**
   * Interface name, 1 to 15 bytes; a pattern like `evt%d` lets the kernel pick the number.
   * Opening the name of an existing TUN device attaches to it.
   *
   * @default 'edgevpn0'
   */
  name?: string

  /**
   * MTU of the interface. IPv6 needs at least 1280.
   *
   * @default 1200
   */
  mtu?: number

  /** IPv4 address and prefix of the interface as CIDR, e.g. `'10.1.0.1/24'`. No IPv4 address when absent. */
  address?: string

  /** IPv6 address and prefix of the interface as CIDR, e.g. `'fd00::1/64'`. No IPv6 address when absent. */
  ipv6?: string

  /**
   * Length of the kernel's queue of packets waiting for this process to read them. When reading falls
   * behind, packets beyond it are dropped, which TCP sees as loss; a longer queue adds latency under load.
   *
   * @default 1000
   */
  txQueueLen?: number

  /**
   * Most packets handed to the packet handler in one call.
   *
   * @default 64
   */
  maxBatch?: number

  /**
   * Largest packet read, in bytes (including the 10-byte virtio header with `vnetHdr`); at least the MTU.
   * Longer packets are dropped and counted in `stats.readDrops`, never delivered truncated.
   *
   * @default max(mtu, 1500), or 65545 with vnetHdr
   */
  maxPacket?: number

  /**
   * Give every batch its own copy of the packets, so they may be kept after the handler returns.
   * Otherwise a batch views one reused buffer that the next batch overwrites (no allocation per batch).
   *
   * @default false
   */
  copy?: boolean

  /**
   * Open the device with IFF_MULTI_QUEUE: every `openTun` of the same name adds a queue (one per thread).
   *
   * @default false
   */
  multiQueue?: boolean

  /**
   * Open the device with IFF_VNET_HDR and enable checksum and TSO offload (TUNSETOFFLOAD): every packet
   * read or written starts with a 10-byte virtio_net_hdr, and reads may return GSO packets up to 64 KiB.
   *
   * @default false
   */
  vnetHdr?: boolean
}

/** {@link TunInit} with its defaults applied and validated. */
export interface ResolvedTunInit {
  name: string
  mtu: number
  ipv4?: InterfaceAddress
  ipv6?: InterfaceAddress
  txQueueLen: number
  maxBatch: number
  maxPacket: number
  copy: boolean
  multiQueue: boolean
  vnetHdr: boolean
}

/** Size of struct virtio_net_hdr, the prefix of every packet on an IFF_VNET_HDR device. */
export const VNET_HDR_BYTES = 10
const MAX_IP_PACKET = 65535
const MIN_IPV4_MTU = 68
const MIN_IPV6_MTU = 1280
const MAX_NAME_BYTES = 15
const MAX_BATCH = 4096

function checkInteger (key: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new TunError('EINVALIDOPTION', `${key} must be an integer from ${min} to ${max}, got ${value}`)
  }
  return value
}

/** Enforces the kernel's rules for interface names (dev_valid_name) before anything is created. */
export function checkInterfaceName (name: string): string {
  const bytes = Buffer.byteLength(name)
  if (bytes === 0 || bytes > MAX_NAME_BYTES) {
    throw new TunError('EINVALIDNAME', `interface name "${name}" must be 1 to ${MAX_NAME_BYTES} bytes, it has ${bytes}`)
  }
  if (name === '.' || name === '..' || /[/:\s]/.test(name)) {
    throw new TunError('EINVALIDNAME', `interface name "${name}" must not be "." or ".." or contain "/", ":" or whitespace`)
  }
  return name
}

/**
 * Applies the defaults of {@link TunInit} and checks every option, so bad input fails before the kernel
 * is asked for anything.
 *
 * @throws TunError `EINVALIDNAME`, `EINVALIDADDRESS` or `EINVALIDOPTION`
 */
export function resolveTunInit (init: TunInit): ResolvedTunInit {
  const vnetHdr = init.vnetHdr ?? false
  const mtu = checkInteger('mtu', init.mtu ?? 1200, MIN_IPV4_MTU, MAX_IP_PACKET)
  const ipv6 = init.ipv6 === undefined ? undefined : parseCidr(init.ipv6, 6)
  if (ipv6 !== undefined && mtu < MIN_IPV6_MTU) {
    // The kernel disables IPv6 on links below 1280 bytes, so the address would be refused or vanish.
    throw new TunError('EINVALIDOPTION', `an IPv6 address needs an MTU of at least ${MIN_IPV6_MTU}, mtu is ${mtu}`)
  }
  const headerBytes = vnetHdr ? VNET_HDR_BYTES : 0
  const maxPacketLimit = MAX_IP_PACKET + VNET_HDR_BYTES
  return {
    name: checkInterfaceName(init.name ?? 'edgevpn0'),
    mtu,
    ipv4: init.address === undefined ? undefined : parseCidr(init.address, 4),
    ipv6,
    txQueueLen: checkInteger('txQueueLen', init.txQueueLen ?? 1000, 0, 1 << 30),
    maxBatch: checkInteger('maxBatch', init.maxBatch ?? 64, 1, MAX_BATCH),
    maxPacket: checkInteger('maxPacket', init.maxPacket ?? (vnetHdr ? maxPacketLimit : Math.max(mtu, 1500)), mtu + headerBytes, maxPacketLimit),
    copy: init.copy ?? false,
    multiQueue: init.multiQueue ?? false,
    vnetHdr
  }
}
