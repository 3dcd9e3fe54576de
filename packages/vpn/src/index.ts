/**
 * @packageDocumentation
 *
 * The VPN data plane of edgevpn: a TUN device whose packets travel to the peer that owns their
 * destination in the ledger's `machines` bucket. Peers speak Go edgevpn's `/edgevpn/0.1` (one
 * stream per packet) or, between TypeScript nodes, `/edgevpn-ts/vpn/1.0.0` (one long-lived
 * stream per peer carrying length-prefixed packets, batched per send) and `/edgevpn-ts/vpn/1.1.0`
 * (the same for TUN offload units: 64 KiB TCP super-packets with their virtio header). On a direct
 * connection, `/edgevpn-ts/vpn-fast/1.0.0` agrees on keys for a plain TCP socket that carries the
 * offload units in AES-256-GCM records, cheaper than TCP + noise + yamux. By default the TUN
 * addon's native fast path carries those sockets on two threads of its own (fast-path-tables.ts
 * keeps its routes and allowed sources in step with the ledger); `fastEngine: 'js'` keeps them on
 * the main thread (fast-sender.ts, fast-listener.ts).
 *
 * @example
 *
 * ```ts
 * import { generateKeyPair } from '@libp2p/crypto/keys'
 * import { createLogger, createMeshHost } from '@edgevpn/mesh-core'
 * import { Ledger } from '@edgevpn/ledger'
 * import { createVpnService } from '@edgevpn/vpn'
 *
 * const privateKey = await generateKeyPair('Ed25519')
 * const host = await createMeshHost({ privateKey })
 * const ledger = new Ledger({ mode: 'enforce', signer: privateKey })
 * const vpn = await createVpnService({ host, ledger, logger: createLogger() }, { address: '10.1.0.2/24' })
 * // ... the gossip hub keeps `ledger` in sync with the other peers ...
 * console.log(vpn.stats().totals)
 * await vpn.stop()
 * await host.stop()
 * ```
 */

export { createVpnService } from './vpn-service.js'
export type { VpnService, VpnServiceComponents } from './vpn-service.js'
export { resolveVpnInit } from './vpn-init.js'
export type { FastEngine, VpnServiceInit, ResolvedVpnInit } from './vpn-init.js'
export { VpnConfigError } from './vpn-config-error.js'
export { GO_VPN_PROTOCOL, FRAMED_VPN_PROTOCOL, OFFLOAD_VPN_PROTOCOL, FAST_VPN_PROTOCOL } from './protocols.js'
export { FastListener } from './fast-listener.js'
export type { FastListenerInit, FastListenerComponents } from './fast-listener.js'
export { FastSender } from './fast-sender.js'
export type { FastSenderInit, FastSenderComponents } from './fast-sender.js'
export { SendQueue } from './send-queue.js'
export type { SendQueueInit, SendQueueComponents } from './send-queue.js'
export { isInteractivePacket, isInteractiveUnit, MAX_INTERACTIVE_UDP_BYTES } from './traffic-class.js'
export {
  deriveSessionKeys, encodeHello, verifyHello, encodeAck, verifyAck, helloSessionId, randomSecret, randomSessionId,
  RecordSealer, RecordOpener, FastRecordError, FAST_ACK_BYTES, FAST_HELLO_BYTES, FAST_SECRET_BYTES, FAST_SESSION_ID_BYTES, MAX_RECORD_PLAINTEXT
} from './fast-crypto.js'
export type { FastSessionKeys } from './fast-crypto.js'
export {
  encodeOffer, decodeOffer, encodeAnswer, decodeAnswer, readMessage, FastNegotiationError, FAST_OFFER_BYTES, FAST_ANSWER_BYTES
} from './fast-negotiation.js'
export type { FastAnswer } from './fast-negotiation.js'
export { DROP_REASONS, VpnCounters } from './vpn-stats.js'
export type { DropReason, PeerTraffic, TrafficCounters, VpnStats } from './vpn-stats.js'
export { parseStaticPeerTable } from './static-peer-table.js'
export { Router } from './router.js'
export type { RouterInit } from './router.js'
export { MachineDirectory } from './machine-directory.js'
export { InboundGate } from './inbound-gate.js'
export { createSourceGuard } from './source-guard.js'
export type { SourceGuard, SourceGuardInit } from './source-guard.js'
export { InboundStreams, NotAMemberError } from './inbound-streams.js'
export type { InboundStreamsComponents, InboundStreamsInit, InboundUnits, PacketSink } from './inbound-streams.js'
export { OutboundDispatcher } from './outbound-dispatcher.js'
export type { OutboundDispatcherInit, OutboundDispatcherComponents, WireProtocolChoice } from './outbound-dispatcher.js'
export { FramedChannel } from './framed-channel.js'
export type { FramedChannelInit, FramedChannelComponents } from './framed-channel.js'
export { GoStreamSender } from './go-stream-sender.js'
export type { GoStreamSenderInit, GoStreamSenderComponents } from './go-stream-sender.js'
export { MachineAnnouncer, machineValue } from './machine-announce.js'
export type { MachineAnnouncerInit, MachineAnnouncerComponents } from './machine-announce.js'
export { goPlatform } from './go-platform.js'
export {
  encodeFrames, encodeFrameRuns, FRAMED_PACKETS, OFFLOAD_FRAMES, FRAME_HEADER_BYTES, MAX_FRAMED_PACKET_BYTES, MAX_OFFLOAD_FRAME_BYTES
} from './framing.js'
export type { FrameFormat, PacketRun } from './framing.js'
export { segmentOffloadUnit, SegmentationError } from './software-segmentation.js'
export {
  readVnetHeader, writeVnetHeader, isPlainPacket, VNET_F_NEEDS_CSUM, VNET_GSO_NONE, VNET_GSO_TCPV4, VNET_GSO_TCPV6, VNET_GSO_ECN
} from './vnet-header.js'
export type { VnetHeader } from './vnet-header.js'
export { PacketSplitter, IP_PACKETS, StreamFormatError } from './packet-splitter.js'
export type { UnitFormat } from './packet-splitter.js'
export {
  checkIpPacket, declaredIpLength, ipv4Destination, ipv4Source, ipv6DestinationText, ipv6SourceEquals, IPV4_HEADER_BYTES, IPV6_HEADER_BYTES
} from './ip-packet.js'
export type { PacketProblem } from './ip-packet.js'
export { waitForDrain } from './wait-drain.js'
