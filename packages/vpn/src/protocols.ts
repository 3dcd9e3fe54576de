/** Go edgevpn's data-plane protocol: one stream per IP packet, no framing (spec §7.1). */
export const GO_VPN_PROTOCOL = '/edgevpn/0.1'

/**
 * This port's data-plane protocol: one long-lived stream per peer and direction carrying
 * length-prefixed packets (see framing.ts), several packets per write.
 */
export const FRAMED_VPN_PROTOCOL = '/edgevpn-ts/vpn/1.0.0'

/**
 * The framed protocol carrying TUN offload units whole (see framing.ts): a virtio_net_hdr and a
 * packet of up to 64 KiB, so TCP GSO super-packets cross the mesh unsegmented.
 */
export const OFFLOAD_VPN_PROTOCOL = '/edgevpn-ts/vpn/1.1.0'

/**
 * Negotiates the fast data channel (see fast-listener.ts): keys and a TCP port for a plain socket
 * carrying AES-256-GCM records of `/edgevpn-ts/vpn/1.1.0` frames, bound to the libp2p session.
 */
export const FAST_VPN_PROTOCOL = '/edgevpn-ts/vpn-fast/1.0.0'
