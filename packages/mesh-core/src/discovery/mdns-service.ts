/**
 * mDNS peer discovery on every LAN interface. Wire format of libp2p's mDNS (and Go edgevpn's):
 * a PTR query for `<service tag>`, answered by a PTR to `<random name>.<service tag>` and one
 * TXT `dnsaddr=<multiaddr>/p2p/<id>` per private address.
 *
 * Sockets: one receiver on 0.0.0.0:5353 that joins the group on each interface, and one sender
 * per interface bound to its address (port 5353, so answers are multicast as RFC 6762 asks) with
 * that interface as its multicast interface. A sender bound to a unicast address receives no
 * multicast, so nothing arrives twice. Interfaces are rescanned; new ones join, gone ones leave.
 *
 * Cost at rest (RFC 6762 §5.2, §7.3, §8.3): every query is answered by every node, to the whole
 * group, so a fixed query period costs each node the square of the LAN's node count. Instead a
 * node announces itself when it starts and when its addresses change, queries 1 s, 2 s, 4 s, …
 * apart up to `interval`, and counts another node's query as its own (all answers are multicast,
 * so it hears them too). Answers wait 20–120 ms and go out at most once a second per interface.
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
import type { Libp2pEvents, PeerDiscovery, PeerDiscoveryEvents, PeerId, PeerInfo, Startable, TypedEventTarget } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { Socket } from 'node:dgram'

export interface MdnsServiceInit {
  /** The name queried, e.g. `<token mdns>.local`. */
  serviceTag: string
  /**
   * Longest wait between two queries in ms; the waits double from 1 s up to it, and start over
   * when an interface joins.
   *
   * @default 600_000
   */
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
  /** Announces again when our addresses change. @default no re-announcements */
  events?: TypedEventTarget<Pick<Libp2pEvents, 'self:peer:update'>>
}

const TXT_PREFIX = 'dnsaddr='
/** A TXT string holds at most 255 bytes (RFC 6763 §6.1). */
const MAX_TXT_LENGTH = 255
const ANSWER_TTL = 120
const FIRST_QUERY_WAIT_MS = 1_000
/** RFC 6762 §6: a shared answer waits 20–120 ms, so the answers to one query do not collide. */
const ANSWER_DELAY_MS = [20, 120] as const
/** RFC 6762 §6.2: the same record is multicast at most once a second per interface. */
const MIN_ANSWER_GAP_MS = 1_000
/**
 * A peer heard again with the same addresses is reported again only after this long: every
 * query brings every node's answer, and each report costs libp2p and the dialler a peer store
 * write (in a profile of a 40-node LAN forming, peer store writes were the largest cost after
 * loading the code, most of them for peers reported before). The connection budget redials known
 * peers itself, so a repeat adds nothing sooner.
 */
const REPEAT_REPORT_MS = 60_000

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
  private rescanTimer?: NodeJS.Timeout
  private queryTimer?: NodeJS.Timeout
  private queryWait = FIRST_QUERY_WAIT_MS
  /** Pending answer per interface key, and when the last one went out. */
  private readonly answerTimers = new Map<string, NodeJS.Timeout>()
  private readonly lastAnswerAt = new Map<string, number>()
  private warnedNoInterface = false
  /** When each peer was last reported, and with which addresses. */
  private readonly reported = new Map<string, { addresses: string, at: number }>()

  constructor (components: MdnsServiceComponents, init: MdnsServiceInit) {
    super()
    this.components = components
    this.serviceTag = init.serviceTag
    this.interval = init.interval ?? 600_000
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
    this.rescanTimer = setInterval(() => { this.rescan() }, this.rescanInterval).unref()
    this.components.events?.addEventListener('self:peer:update', this.onAddressesChanged)
  }

  /** Announces and starts querying once the transports listen (our answers need their addresses). */
  afterStart (): void {
    this.announce()
    this.restartQueries()
  }

  async stop (): Promise<void> {
    this.components.events?.removeEventListener('self:peer:update', this.onAddressesChanged)
    clearInterval(this.rescanTimer)
    clearTimeout(this.queryTimer)
    this.queryTimer = undefined
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
    if (joining.length > 0 && this.queryTimer !== undefined) {
      this.announce()
      this.restartQueries()
    }

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
    clearTimeout(this.answerTimers.get(key))
    this.answerTimers.delete(key)
    this.lastAnswerAt.delete(key)
    try { this.receiver?.dropMembership(this.group, sender.lan.address) } catch { /* the interface is gone */ }
    try { sender.socket.close() } catch { /* closed after an error */ }
  }

  /** Queries now, then 1 s, 2 s, 4 s, … apart up to the interval. */
  private restartQueries (): void {
    this.queryWait = FIRST_QUERY_WAIT_MS
    this.query()
  }

  private query (): void {
    const message = dnsPacket.encode({ type: 'query', id: 0, questions: [{ name: this.serviceTag, type: 'PTR', class: 'IN' }] })
    for (const sender of this.senders.values()) this.sendOn(sender, message)
    this.scheduleNextQuery()
  }

  /** The next query after the current wait (±20 %, so that nodes started together drift apart). */
  private scheduleNextQuery (): void {
    clearTimeout(this.queryTimer)
    const wait = this.queryWait * (0.8 + 0.4 * Math.random())
    this.queryWait = Math.min(this.queryWait * 2, this.interval)
    this.queryTimer = setTimeout(() => { this.query() }, wait).unref()
  }

  /** Unsolicited answers on every interface (RFC 6762 §8.3): the others learn of us without asking. */
  private announce (): void {
    for (const [key, sender] of this.senders) this.scheduleAnswer(key, sender)
  }

  private readonly onAddressesChanged = (): void => {
    if (this.queryTimer !== undefined) this.announce()
  }

  private sendOn ({ socket }: Sender, message: Buffer): void {
    this.traffic.bytesOut += message.length
    socket.send(message, this.port, this.group, () => { /* send errors show on the socket */ })
  }

  private readonly onMessage = (bytes: Buffer, from: { address: string }): void => {
    this.traffic.bytesIn += bytes.length
    let packet: dnsPacket.Packet
    try {
      packet = dnsPacket.decode(bytes)
    } catch {
      return // not ours to fix: other mDNS speakers share the group
    }
    if (packet.type === 'query') this.onQuery(packet, from.address)
    else this.readAnswer(packet)
  }

  private onQuery (packet: dnsPacket.Packet, from: string): void {
    if (packet.questions?.some(question => question.name === this.serviceTag) !== true) return
    const senders = [...this.senders]
    if (senders.some(([, sender]) => sender.lan.address === from)) return // our own, looped back
    // someone else asked our question: its answers reach us too, so our next query can wait
    // (RFC 6762 §7.3); answer on the interface that faces the asker, or on all if none does
    if (this.queryTimer !== undefined) this.scheduleNextQuery()
    const facing = senders.filter(([, sender]) => onInterfaceSubnet(sender.lan, from))
    for (const [key, sender] of facing.length > 0 ? facing : senders) this.scheduleAnswer(key, sender)
  }

  /** One answer per interface after a short random delay, and at most one a second. */
  private scheduleAnswer (key: string, sender: Sender): void {
    if (this.answerTimers.has(key)) return
    const [low, high] = ANSWER_DELAY_MS
    const earliest = (this.lastAnswerAt.get(key) ?? -Infinity) + MIN_ANSWER_GAP_MS
    const delay = Math.max(low + Math.random() * (high - low), earliest - Date.now())
    this.answerTimers.set(key, setTimeout(() => {
      this.answerTimers.delete(key)
      if (this.senders.get(key) === sender) this.answerOn(key, sender)
    }, delay).unref())
  }

  /**
   * Our answer, the way go-libp2p's zeroconf writes it: PTR to our instance, one TXT record holding
   * a `dnsaddr=` string per LAN address, and an SRV and A record naming the interface's address.
   * Go's zeroconf keeps only the last TXT record and drops an instance that resolves to no A/AAAA
   * record, so without them Go nodes never found ours (only ours found Go).
   */
  private answerOn (key: string, sender: Sender): void {
    const own = `${this.instanceName}.${this.serviceTag}`
    const hostName = `${this.instanceName}.local`
    const self = this.components.peerId.toString()
    const texts = this.components.addressManager.getAddresses()
      .filter(isLanAddress)
      .map(address => `${TXT_PREFIX}${address.getComponents().some(c => c.code === CODE_P2P) ? address.toString() : `${address.toString()}/p2p/${self}`}`)
      .filter(text => Buffer.byteLength(text) <= MAX_TXT_LENGTH)
    if (texts.length === 0) return
    this.lastAnswerAt.set(key, Date.now())
    this.sendOn(sender, dnsPacket.encode({
      type: 'response',
      id: 0,
      flags: dnsPacket.AUTHORITATIVE_ANSWER,
      answers: [
        { name: this.serviceTag, type: 'PTR', class: 'IN', ttl: ANSWER_TTL, data: own },
        { name: own, type: 'TXT', class: 'IN', ttl: ANSWER_TTL, data: texts },
        // the port is a placeholder, as in go-libp2p: the TXT addresses carry the real ones
        { name: own, type: 'SRV', class: 'IN', ttl: ANSWER_TTL, data: { priority: 0, weight: 0, port: 4001, target: hostName } },
        { name: hostName, type: 'A', class: 'IN', ttl: ANSWER_TTL, data: sender.lan.address }
      ]
    }))
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
    if (found === undefined || found.id.equals(this.components.peerId) || this.isRepeat(found)) return
    this.dispatchEvent(new CustomEvent<PeerInfo>('peer', { detail: found }))
  }

  /** Whether the peer was reported with these addresses less than {@link REPEAT_REPORT_MS} ago; records it if not. */
  private isRepeat (peer: PeerInfo): boolean {
    const now = Date.now()
    const id = peer.id.toString()
    const addresses = peer.multiaddrs.map(String).sort().join(' ')
    const last = this.reported.get(id)
    if (last !== undefined && last.addresses === addresses && now - last.at < REPEAT_REPORT_MS) return true
    for (const [other, { at }] of this.reported) if (now - at >= REPEAT_REPORT_MS) this.reported.delete(other)
    this.reported.set(id, { addresses, at: now })
    return false
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
