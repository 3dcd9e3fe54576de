import { createRequire } from 'node:module'
import { TunError } from './tun-error.js'
import type { SystemCallError } from './tun-error.js'

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

export interface NativeBinding {
  TunQueue: new (
    name: string,
    options: NativeQueueOptions,
    onBatch: (count: number, buffer: Buffer) => void,
    onError: (error: SystemCallError) => void
  ) => NativeTunQueue
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
