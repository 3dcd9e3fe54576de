import { createRequire } from 'node:module'
import { TunError } from './tun-error.js'
import type { SystemCallError } from './tun-error.js'
import type { RecordProbe } from './record-probe.js'
import type { UnitQueueProbe, UnitQueueProbeInit } from './unit-queue-probe.js'

/** Options of the addon's TunQueue constructor. */
export interface NativeQueueOptions {
  multiQueue: boolean
  vnetHdr: boolean
  maxBatch: number
  maxPacket: number
  copy: boolean
}

/** One open queue (file descriptor) of a TUN device, as the addon exposes it. */
export interface NativeTunQueue {
  /** The name the kernel gave the interface. */
  readonly name: string
  /** The queue's file descriptor (-1 after close). */
  readonly fd: number
  /** The reused read buffer. */
  readonly slab: Buffer
  /** `[offset, length]` of each packet of the current batch in its buffer. */
  readonly meta: Int32Array
  /** Counters, indexed by {@link COUNTER}. */
  readonly counters: Float64Array
  resume(): void
  pause(): void
  close(): void
  /** `true` when written, `false` when dropped because a queue was full. */
  write(packet: Uint8Array): boolean
  /** The number of packets written; the others were dropped because a queue was full. */
  writeBatch(buffer: Uint8Array, meta: Int32Array, count: number): number
}

/** Settings of the addon's configureInterface; absent ones are left unchanged. */
export interface NativeInterfaceSettings {
  mtu?: number
  txQueueLen?: number
  ipv4?: string
  ipv4PrefixLength?: number
  ipv6?: string
  ipv6PrefixLength?: number
  up?: boolean
}

/** Options of the addon's FastPath constructor; absent ones take the addon's defaults. */
export interface NativeFastPathOptions {
  maxBatch: number
  maxPacket: number
  maxWriteBytes?: number
  maxBulkBytes?: number
  maxInteractiveBytes?: number
}

/** The addon's native packet loop (native/src/fast_path.h). */
export interface NativeFastPath {
  /** Where batches of packets without a route are handed to JS. */
  readonly slab: Buffer
  readonly meta: Int32Array
  /** Indexed by {@link FAST_PATH_COUNTER}. */
  readonly counters: Float64Array
  setReading(on: boolean): void
  /** Sender counters: sent packets, sent bytes, queue-full drops, queue-delay drops. */
  addSender(fd: number, key: Uint8Array, counters: Float64Array): number
  /** Receiver counters: packets, bytes, malformed, spoofed-source and tun-full drops. */
  addReceiver(fd: number, key: Uint8Array, ack: Uint8Array, counters: Float64Array, received: Uint8Array,
    sources: readonly Uint8Array[], anySource: boolean): number
  setAllowedSources(id: number, sources: readonly Uint8Array[], anySource: boolean): void
  replaceRoutes(addresses: readonly Uint8Array[], senders: Int32Array): void
  /** `false` when the sender is closed. */
  send(id: number, buffer: Uint8Array, spans: Int32Array, count: number): boolean
  closeChannel(id: number): void
  close(): void
}

export interface NativeBinding {
  TunQueue: new (
    name: string,
    options: NativeQueueOptions,
    onBatch: (count: number, buffer: Buffer) => void,
    onError: (error: SystemCallError) => void
  ) => NativeTunQueue
  FastPath: new (
    tunFd: number,
    options: NativeFastPathOptions,
    onBatch: (count: number, buffer: Buffer) => void,
    /** `id` 0: the device itself failed. */
    onEvent: (id: number, reason: string, brokeFormat: boolean) => void
  ) => NativeFastPath
  UnitQueueProbe: new (options: UnitQueueProbeInit) => UnitQueueProbe
  RecordProbe: new (key: Uint8Array) => RecordProbe
  configureInterface(name: string, settings: NativeInterfaceSettings): void
  /** setsockopt with an int value, then the value getsockopt reports. */
  setSocketOption(fd: number, level: number, name: number, value: number): number
}

/** Slots of `NativeTunQueue.counters`, in the order of the addon's Counter enum. */
export const COUNTER = {
  packetsRead: 0,
  bytesRead: 1,
  packetsWritten: 2,
  bytesWritten: 3,
  readDrops: 4,
  writeDrops: 5
} as const

/** Slots of `NativeFastPath.counters`, in the order of the addon's FastPath::Counter enum. */
export const FAST_PATH_COUNTER = {
  packetsRead: 0,
  bytesRead: 1,
  readDrops: 2,
  packetsWritten: 3,
  bytesWritten: 4,
  writeDrops: 5,
  handoffDrops: 6
} as const

// Relative to src/ and dist/ alike, both one level below the package root.
const ADDON_PATH = '../native/build/Release/edgevpn_tun.node'

let binding: NativeBinding | undefined

/**
 * Loads the addon on first use, so importing the package (e.g. for `tunUnavailableReason`) never fails.
 *
 * @throws TunError `ENOADDON` when the addon is not built or does not load
 */
export function loadBinding (): NativeBinding {
  if (binding === undefined) {
    try {
      binding = createRequire(import.meta.url)(ADDON_PATH) as NativeBinding
    } catch (error) {
      const reason = error instanceof Error ? error.message.split('\n')[0] : String(error)
      throw new TunError('ENOADDON', `the @edgevpn/tun native addon does not load (${reason}); run "npm run build" at the repository root`, { cause: error })
    }
  }
  return binding
}
