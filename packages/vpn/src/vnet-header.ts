/**
 * The virtio_net_hdr that prefixes every packet of a TUN device opened with IFF_VNET_HDR, as the
 * kernel lays it out on this host (legacy virtio: little-endian on x86 and arm64).
 */
import { VNET_HDR_BYTES } from '@edgevpn/tun'

/** `flags`: the L4 checksum is partial; complete it from `csumStart` and store it at `csumStart + csumOffset`. */
export const VNET_F_NEEDS_CSUM = 1
/** `gsoType` values; {@link VNET_GSO_ECN} may be or-ed into the TCP ones. */
export const VNET_GSO_NONE = 0
export const VNET_GSO_TCPV4 = 1
export const VNET_GSO_TCPV6 = 4
export const VNET_GSO_ECN = 0x80

/** The fields of one virtio_net_hdr. */
export interface VnetHeader {
  flags: number
  gsoType: number
  /** Length of the headers (L2 excluded) that every GSO segment repeats, as the sender saw it. */
  headerLength: number
  /** Payload bytes per segment of a GSO packet. */
  gsoSize: number
  /** Where checksumming starts (the L4 header), counted from the IP header. */
  csumStart: number
  /** Where the checksum lies, counted from `csumStart`. */
  csumOffset: number
}

/** Reads the header at `bytes[offset, offset + 10)`. */
export function readVnetHeader (bytes: Uint8Array, offset: number): VnetHeader {
  return {
    flags: bytes[offset],
    gsoType: bytes[offset + 1],
    headerLength: readLe16(bytes, offset + 2),
    gsoSize: readLe16(bytes, offset + 4),
    csumStart: readLe16(bytes, offset + 6),
    csumOffset: readLe16(bytes, offset + 8)
  }
}

/** Writes `header` at `bytes[offset, offset + 10)`. */
export function writeVnetHeader (bytes: Uint8Array, offset: number, header: VnetHeader): void {
  bytes[offset] = header.flags
  bytes[offset + 1] = header.gsoType
  writeLe16(bytes, offset + 2, header.headerLength)
  writeLe16(bytes, offset + 4, header.gsoSize)
  writeLe16(bytes, offset + 6, header.csumStart)
  writeLe16(bytes, offset + 8, header.csumOffset)
}

/**
 * Whether the unit at `bytes[offset]` (header + packet) is a plain packet that needs no work
 * before it leaves without its header: no GSO and a complete checksum.
 */
export function isPlainPacket (bytes: Uint8Array, offset: number): boolean {
  return bytes[offset + 1] === VNET_GSO_NONE && (bytes[offset] & VNET_F_NEEDS_CSUM) === 0
}

export { VNET_HDR_BYTES }

function readLe16 (bytes: Uint8Array, offset: number): number {
  return bytes[offset] | (bytes[offset + 1] << 8)
}

function writeLe16 (bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = value & 0xff
  bytes[offset + 1] = value >> 8
}
