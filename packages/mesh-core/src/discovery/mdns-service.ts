/**
 * mDNS peer discovery on every LAN interface. Wire format of libp2p's mDNS (and Go edgevpn's):
 * a PTR query for `<service tag>`, answered by a PTR to `<random name>.<service tag>` and one
 * TXT `dnsaddr=<multiaddr>/p2p/<id>` per private address.
 *
 * Sockets: one receiver on 0.0.0.0:5353 that joins the group on each interface, and one sender
 * per interface bound to its address (port 5353, so answers are multicast as RFC 6762 asks) with
 * that interface as its multicast interface. A sender bound to a unicast address receives no
 * multicast, so nothing arrives twice. Interfaces are rescanned; new ones join, gone ones leave.
 */
import { randomBytes } from 'node:crypto'
import { createSocket } from 'node:dgram'
import { peerIdFromString } from '@libp2p/peer-id'
import { TypedEventEmitter, peerDiscoverySymbol, serviceCapabilities } from '@libp2p/interface'
import { isPrivate } from '@libp2p/utils'
import { CODE_P2P, multiaddr } from '@multiformats/multiaddr'
import dnsPacket from 'dns-packet'
import { createLogger } from '../logger.js'
import { lanInterfaces, onInterfaceSubnet } from './lan-interfaces.js'
import type { LanInterface } from './lan-interfaces.js'
import type { Logger } from '../logger.js'
import type { PeerDiscovery, PeerDiscoveryEvents, PeerId, PeerInfo, Startable } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { Socket } from 'node:dgram'

export interface MdnsServiceInit {
  /** The name queried, e.g. `<token mdns>.local`. */
  serviceTag: string
  /** Query interval in ms. @default 10_000 */
  interval?: number
  /** How often interfaces are rescanned, in ms. @default 5_000 */
  rescanInterval?: number
  /** @default 5353 */
  port?: number
  /** @default '224.0.0.251' */
  group?: string
  /** @default an `edgevpn.discovery.mdns` logger on stderr */
  logger?: Logger
  /** The interfaces to use, listed anew at every rescan. @default {@link lanInterfaces} */
  listInterfaces?: () => LanInterface[]
}

export interface MdnsServiceComponents {
  peerId: PeerId
  addressManager: { getAddresses(): Multiaddr[] }
}

const TXT_PREFIX = 'dnsaddr='
/** A TXT string holds at most 255 bytes (RFC 6763 §6.1). */
const MAX_TXT_LENGTH = 255
const ANSWER_TTL = 120

interface Sender {
  lan: LanInterface
  socket: Socket
}

export class MdnsService extends TypedEventEmitter<PeerDiscoveryEvents> implements PeerDiscovery, Startable {
  readonly [peerDiscoverySymbol] = this
  readonly [Symbol.toStringTag] = '@edgevpn/mdns'
  readonly [serviceCapabilities]: string[] = ['@libp2p/peer-discovery']

  private readonly components: MdnsServiceComponents
  private readonly serviceTag: string
  private readonly interval: number
  private readonly rescanInterval: number
  private readonly port: number
  private readonly group: string
  private readonly log: Logger
  private readonly listInterfaces: () => LanInterface[]
  /** This node's instance label: random, as in libp2p, so it says nothing about the node. */
  private readonly instanceName = randomBytes(24).toString('base64url')
  /** Datagram bytes sent, and read on every mDNS socket (the group's traffic, not only ours). */
  readonly traffic = { bytesIn: 0, bytesOut: 0 }
  private receiver?: Socket
  private readonly senders = new Map<string, Sender>()
  private timers: NodeJS.Timeout[] = []
  private warnedNoInterface = false

  constructor (components: MdnsServiceComponents, init: MdnsServiceInit) {
    super()
    this.components = components
    this.serviceTag = init.serviceTag
    this.interval = init.interval ?? 10_000
    this.rescanInterval = init.rescanInterval ?? 5_000
    this.port = init.port ?? 5353
    this.group = init.group ?? '224.0.0.251'
    this.log = init.logger ?? createLogger().child('discovery.mdns')
    this.listInterfaces = init.listInterfaces ?? lanInterfaces
  }

  isStarted (): boolean {
    return this.receiver !== undefined
  }

  async start (): Promise<void> {
    if (this.receiver !== undefined) return
    const receiver = await bindSocket(this.port, '0.0.0.0')
    this.receiver = receiver
    receiver.on('message', this.onMessage)
    this.rescan()
    this.query()
    this.timers = [
      setInterval(() => { this.rescan() }, this.rescanInterval),
      setInterval(() => { this.query() }, this.interval)
    ]
    for (const timer of this.timers) timer.unref()
  }

  async stop (): Promise<void> {
    for (const timer of this.timers) clearInterval(timer)
    this.timers = []
    for (const key of [...this.senders.keys()]) this.leave(key)
    const receiver = this.receiver
    this.receiver = undefined
    if (receiver !== undefined) await new Promise<void>(resolve => { receiver.close(() => { resolve() }) })
  }

  /** Joins the interfaces that appeared and leaves those that went away or changed address. */
  private rescan (): void {
    const current = new Map(this.listInterfaces().map(lan => [`${lan.name}/${lan.address}`, lan]))
    for (const key of [...this.senders.keys()]) if (!current.has(key)) this.leave(key)
    const joining = [...current].filter(([key]) => !this.senders.has(key))
    for (const [key, lan] of joining) this.join(key, lan)
    if (joining.length > 0) this.query()

    if (current.size === 0 && !this.warnedNoInterface) {
      this.log.warn('mDNS has no interface to use yet (none is up with an IPv4 address and multicast); LAN discovery starts when one is')
    }
    this.warnedNoInterface = current.size === 0
  }

  private join (key: string, lan: LanInterface): void {
    const receiver = this.receiver
    if (receiver === undefined) return
    try {
      receiver.addMembership(this.group, lan.address)
    } catch (err) {
      // EADDRINUSE: joined already by this socket (an address that moved between interfaces)
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') {
        this.log.warn(`mDNS cannot join ${this.group} on ${lan.name} (${lan.address}): ${(err as Error).message}`)
        return
      }
    }
    const socket = createSocket({ type: 'udp4', reuseAddr: true })
    const sender = { lan, socket }
    this.senders.set(key, sender)
    socket.on('message', this.onMessage)
    socket.on('error', err => {
      this.log.debug(`mDNS socket on ${lan.name} failed: ${err.message}`)
      if (this.senders.get(key) === sender) this.leave(key)
    })
    socket.bind(this.port, lan.address, () => {
      // Linux already sends a socket's multicast out of the device that owns its bound address;
      // the options make it explicit. Where one is refused (qemu-user has no IP_MULTICAST_IF),
      // the socket still works, so this is no reason to stop.
      const options: Array<[string, () => void]> = [
        ['multicast interface', () => { socket.setMulticastInterface(lan.address) }],
        ['multicast TTL', () => { socket.setMulticastTTL(255) }],
        ['multicast loopback', () => { socket.setMulticastLoopback(true) }]
      ]
      for (const [name, set] of options) {
        try { set() } catch (err) { this.log.debug(`mDNS on ${lan.name}: cannot set the ${name} (${(err as Error).message})`) }
      }
    })
    this.log.info(`mDNS on ${lan.name} (${lan.address})`)
  }

  private leave (key: string): void {
    const sender = this.senders.get(key)
    if (sender === undefined) return
    this.senders.delete(key)
    try { this.receiver?.dropMembership(this.group, sender.lan.address) } catch { /* the interface is gone */ }
    try { sender.socket.close() } catch { /* closed after an error */ }
  }

  private query (): void {
    const message = dnsPacket.encode({ type: 'query', id: 0, questions: [{ name: this.serviceTag, type: 'PTR', class: 'IN' }] })
    this.send(() => message)
  }

  /** Sends the message made for each interface on the one whose subnet holds `to`, or on every one. */
  private send (messageFor: (lan: LanInterface) => Buffer, to?: string): void {
    const senders = [...this.senders.values()]
    const matching = to === undefined ? [] : senders.filter(sender => onInterfaceSubnet(sender.lan, to))
    for (const { lan, socket } of matching.length > 0 ? matching : senders) {
      const message = messageFor(lan)
      this.traffic.bytesOut += message.length
      socket.send(message, this.port, this.group, () => { /* send errors show on the socket */ })
    }
  }

  private readonly onMessage = (bytes: Buffer, from: { address: string }): void => {
    this.traffic.bytesIn += bytes.length
    let packet: dnsPacket.Packet
    try {
      packet = dnsPacket.decode(bytes)
    } catch {
      return // not ours to fix: other mDNS speakers share the group
    }
    if (packet.type === 'query') this.answer(packet, from.address)
    else this.readAnswer(packet)
  }

  /**
   * Answers a query for our service tag the way go-libp2p's zeroconf does: PTR to our instance, one
   * TXT record holding a `dnsaddr=` string per LAN address, and an SRV and A record naming the
   * interface's address. Go's zeroconf keeps only the last TXT record and drops an instance that
   * resolves to no A/AAAA record, so without them Go nodes never found ours (only ours found Go).
   */
  private answer (packet: dnsPacket.Packet, from: string): void {
    if (packet.questions?.some(question => question.name === this.serviceTag) !== true) return
    const own = `${this.instanceName}.${this.serviceTag}`
    const hostName = `${this.instanceName}.local`
    const self = this.components.peerId.toString()
    const texts = this.components.addressManager.getAddresses()
      .filter(isLanAddress)
      .map(address => `${TXT_PREFIX}${address.getComponents().some(c => c.code === CODE_P2P) ? address.toString() : `${address.toString()}/p2p/${self}`}`)
      .filter(text => Buffer.byteLength(text) <= MAX_TXT_LENGTH)
    if (texts.length === 0) return
    this.send(lan => dnsPacket.encode({
      type: 'response',
      id: 0,
      flags: dnsPacket.AUTHORITATIVE_ANSWER,
      answers: [
        { name: this.serviceTag, type: 'PTR', class: 'IN', ttl: ANSWER_TTL, data: own },
        { name: own, type: 'TXT', class: 'IN', ttl: ANSWER_TTL, data: texts },
        // the port is a placeholder, as in go-libp2p: the TXT addresses carry the real ones
        { name: own, type: 'SRV', class: 'IN', ttl: ANSWER_TTL, data: { priority: 0, weight: 0, port: 4001, target: hostName } },
        { name: hostName, type: 'A', class: 'IN', ttl: ANSWER_TTL, data: lan.address }
      ]
    }), from)
  }

  private readAnswer (packet: dnsPacket.Packet): void {
    const records = [...packet.answers ?? [], ...packet.additionals ?? []]
    const pointer = records.find((record): record is dnsPacket.StringAnswer => record.type === 'PTR' && record.name === this.serviceTag)
    if (pointer === undefined || pointer.data.startsWith(this.instanceName)) return
    const addresses: Multiaddr[] = []
    for (const record of records) {
      if (record.type !== 'TXT') continue
      for (const chunk of [record.data].flat()) {
        const text = chunk.toString()
        if (!text.startsWith(TXT_PREFIX)) continue
        try { addresses.push(multiaddr(text.slice(TXT_PREFIX.length))) } catch { /* a malformed address is skipped */ }
      }
    }
    const found = peerInfoOf(addresses)
    if (found === undefined || found.id.equals(this.components.peerId)) return
    this.dispatchEvent(new CustomEvent<PeerInfo>('peer', { detail: found }))
  }
}

/** The peer the TXT addresses name (the `/p2p/` of the first), with the addresses that carry it. */
function peerInfoOf (addresses: Multiaddr[]): PeerInfo | undefined {
  const idText = addresses[0]?.getComponents().findLast(c => c.code === CODE_P2P)?.value
  if (idText === undefined) return undefined
  let id: PeerId
  try { id = peerIdFromString(idText) } catch { return undefined }
  const multiaddrs = addresses
    .filter(address => address.getComponents().findLast(c => c.code === CODE_P2P)?.value === idText)
    .map(address => address.decapsulateCode(CODE_P2P))
  return { id, multiaddrs }
}

/** Addresses worth telling a LAN: private and loopback IPs, not relayed ones. */
function isLanAddress (address: Multiaddr): boolean {
  return !address.getComponents().some(c => c.name === 'p2p-circuit') && isPrivate(address)
}

function bindSocket (port: number, address: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket({ type: 'udp4', reuseAddr: true })
    socket.once('error', reject)
    socket.bind(port, address, () => {
      socket.removeListener('error', reject)
      socket.on('error', () => { /* a receive error affects one datagram; the socket stays open */ })
      resolve(socket)
    })
  })
}

/** The libp2p service factory: `services: { mdns: mdnsService({ serviceTag }) }`. */
export function mdnsService (init: MdnsServiceInit): (components: MdnsServiceComponents) => MdnsService {
  return (components) => new MdnsService(components, init)
}
