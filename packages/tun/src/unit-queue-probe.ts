/**
 * The addon's per-peer send queue (`native/src/unit_queue.h`: an interactive lane and CoDel on
 * the bulk units), driven with explicit times. The send thread keeps its queues out of reach of
 * JS; this handle exists so that a spec can run one script through the C++ queue and through its
 * JS twin (`SendQueue` of `@edgevpn/vpn`) and compare every decision.
 *
 * @example
 *
 * ```ts
 * import { createUnitQueueProbe } from '@edgevpn/tun/unit-queue-probe'
 *
 * const queue = createUnitQueueProbe({ targetMs: 5, intervalMs: 100 })
 * queue.enqueue(new Uint8Array(1400), false, 0)
 * queue.dequeue(200) // the unit, or undefined once CoDel dropped it (counted in delayDrops)
 * ```
 */
import { loadBinding } from './native-binding.js'

export interface UnitQueueProbeInit {
  /** Acceptable standing delay of bulk units, in ms. @default 5 */
  targetMs?: number
  /** How long the delay may stay above the target before dropping starts, in ms. @default 100 */
  intervalMs?: number
  /** Most bytes of bulk units held. @default 524288 */
  maxBulkBytes?: number
  /** Most bytes of interactive units held. @default 65536 */
  maxInteractiveBytes?: number
}

export interface UnitQueueProbe {
  /** Units waiting. */
  readonly length: number
  /** Bulk units CoDel dropped at the head so far. */
  readonly delayDrops: number
  /** Copies the unit in; `false` when its lane is full (the unit is not queued). */
  enqueue(unit: Uint8Array, interactive: boolean, nowMs: number): boolean
  /** A copy of the next unit to send, or `undefined` when none is left. */
  dequeue(nowMs: number): Buffer | undefined
  /** Forgets every unit; returns how many there were. */
  clear(): number
}

/**
 * @throws TunError `ENOADDON` when the addon is not built
 * @throws RangeError when an option is out of range
 */
export function createUnitQueueProbe (init: UnitQueueProbeInit = {}): UnitQueueProbe {
  return new (loadBinding().UnitQueueProbe)(init)
}
