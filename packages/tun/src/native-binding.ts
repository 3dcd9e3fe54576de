import { existsSync, readdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
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

// Relative to src/ and dist/ alike, both one level below the package root: an addon compiled on this
// machine (`npm run build`, or `npm rebuild` where no prebuilt fits) wins over the prebuilt one.
const COMPILED_ADDON = '../native/build/Release/edgevpn_tun.node'
const PREBUILDS = '../prebuilds'
const ADDON_FILE = 'edgevpn_tun.node'

let binding: NativeBinding | undefined
let loadedFrom: string | undefined

/**
 * The prebuilt addon's folder name for this process: `linux-x64`, `linux-arm64`, and `-musl` on
 * musl libc (Alpine), whose binaries do not load on glibc and back.
 */
export function platformTag (): string {
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header
  const musl = process.platform === 'linux' && header?.glibcVersionRuntime === undefined
  return `${process.platform}-${process.arch}${musl ? '-musl' : ''}`
}

/**
 * Loads the addon on first use, so importing the package (e.g. for `tunUnavailableReason`) never fails.
 *
 * @throws TunError `ENOADDON` when neither a compiled nor a prebuilt addon loads
 */
export function loadBinding (): NativeBinding {
  if (binding !== undefined) return binding
  const require = createRequire(import.meta.url)
  const failures: string[] = []
  // the compiled addon first: reading the platform (a process report) is needed only without it
  const candidates = [COMPILED_ADDON, () => `${PREBUILDS}/${platformTag()}/${ADDON_FILE}`]
  for (const candidate of candidates) {
    const file = fileURLToPath(new URL(typeof candidate === 'string' ? candidate : candidate(), import.meta.url))
    if (!existsSync(file)) continue
    try {
      binding = require(file) as NativeBinding
      loadedFrom = file
      return binding
    } catch (error) {
      failures.push(`${file}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`)
    }
  }
  const tag = platformTag()
  const prebuilt = prebuiltTags()
  throw new TunError('ENOADDON', `the @edgevpn/tun native addon does not load: ${failures.length > 0 ? failures.join('; ') : 'none is compiled'}, ` +
    `and there is no prebuilt one for ${tag} (prebuilt: ${prebuilt.length > 0 ? prebuilt.join(', ') : 'none'}). ` +
    'Compile it with "npm rebuild @edgevpn/tun" (needs a C++ compiler, make and python3), or "npm run build" in a source checkout')
}

/** The file the addon was loaded from, or `undefined` before the first {@link loadBinding}. */
export function loadedAddonPath (): string | undefined {
  return loadedFrom
}

function prebuiltTags (): string[] {
  try {
    return readdirSync(fileURLToPath(new URL(PREBUILDS, import.meta.url))).sort()
  } catch {
    return []
  }
}
