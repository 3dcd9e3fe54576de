/**
 * The queue of units waiting for a peer's socket: an interactive lane that always goes first,
 * and a bulk queue managed by CoDel (RFC 8289). Bulk units that keep waiting longer than `target`
 * for a whole `interval` are dropped at the head, ever more often while the delay persists, so
 * the TCP flows inside the tunnel see the loss and slow down instead of filling every buffer on
 * the way (which is what makes pings under load take hundreds of milliseconds).
 */

export interface SendQueueInit {
  /** Acceptable standing delay of bulk units, in ms. @default 5 */
  target?: number
  /** How long the delay may stay above `target` before dropping starts, in ms (about a worst-case RTT). @default 100 */
  interval?: number
  /** Most bytes of bulk units held; more are refused at once. @default 524288 */
  maxBulkBytes?: number
  /** Most bytes of interactive units held; more are refused at once. @default 65536 */
  maxInteractiveBytes?: number
}

export interface SendQueueComponents {
  /** The current time in ms (injected so tests control it). */
  now: () => number
  /** Called for every unit CoDel drops at the head. */
  onDelayDrop: (unit: Uint8Array) => void
}

/** A FIFO of units with the time each was queued, compacted as it drains. */
class TimedFifo {
  // a shifted slot is cleared at once, so the queue never keeps a sent unit's buffer alive
  readonly #units: Array<Uint8Array | undefined> = []
  readonly #times: number[] = []
  #head = 0
  bytes = 0
  /** When the unit {@link shift} returned last was queued. */
  shiftedTime = 0

  get length (): number {
    return this.#units.length - this.#head
  }

  push (unit: Uint8Array, now: number): void {
    this.#units.push(unit)
    this.#times.push(now)
    this.bytes += unit.length
  }

  shift (): Uint8Array | undefined {
    if (this.length === 0) return undefined
    const unit = this.#units[this.#head] as Uint8Array
    this.#units[this.#head] = undefined
    this.shiftedTime = this.#times[this.#head]
    this.#head++
    this.bytes -= unit.length
    if (this.#head > 1024 && this.#head * 2 > this.#units.length) {
      this.#units.splice(0, this.#head)
      this.#times.splice(0, this.#head)
      this.#head = 0
    }
    return unit
  }
}

/** The largest unit that alone never counts as a standing queue (RFC 8289's MTU rule). */
const MIN_STANDING_BYTES = 1500

/** The interactive lane and the CoDel-managed bulk queue of one peer (see the top of this file). */
export class SendQueue {
  readonly #components: SendQueueComponents
  readonly #target: number
  readonly #interval: number
  readonly #maxBulkBytes: number
  readonly #maxInteractiveBytes: number
  readonly #interactive = new TimedFifo()
  readonly #bulk = new TimedFifo()
  /** When the delay, above target since then, allows dropping; 0 while below target. */
  #firstAboveTime = 0
  #dropping = false
  #dropNext = 0
  /** Drops in the current dropping state; it sets the drop rate. */
  #count = 0
  #lastCount = 0

  constructor (components: SendQueueComponents, init: SendQueueInit = {}) {
    this.#components = components
    this.#target = init.target ?? 5
    this.#interval = init.interval ?? 100
    this.#maxBulkBytes = init.maxBulkBytes ?? 512 * 1024
    this.#maxInteractiveBytes = init.maxInteractiveBytes ?? 64 * 1024
  }

  /** Units waiting. */
  get length (): number {
    return this.#interactive.length + this.#bulk.length
  }

  /** Bytes waiting. */
  get bytes (): number {
    return this.#interactive.bytes + this.#bulk.bytes
  }

  /**
   * Queues a unit (kept as given: pass a copy of a reused buffer).
   *
   * @returns false when its lane is full and the unit was not queued
   */
  enqueue (unit: Uint8Array, interactive: boolean): boolean {
    const lane = interactive ? this.#interactive : this.#bulk
    const limit = interactive ? this.#maxInteractiveBytes : this.#maxBulkBytes
    if (lane.bytes + unit.length > limit) return false
    lane.push(unit, this.#components.now())
    return true
  }

  /**
   * Forgets every queued unit (e.g. the socket that would have sent them is gone).
   *
   * @returns how many there were
   */
  clear (): number {
    let units = 0
    while (this.#interactive.shift() !== undefined || this.#bulk.shift() !== undefined) units++
    this.#dropping = false
    this.#firstAboveTime = 0
    return units
  }

  /** The next unit to send: interactive ones first, then bulk ones that CoDel keeps. */
  dequeue (): Uint8Array | undefined {
    const interactive = this.#interactive.shift()
    if (interactive !== undefined) return interactive
    return this.#dequeueBulk()
  }

  #dequeueBulk (): Uint8Array | undefined {
    const now = this.#components.now()
    let unit = this.#bulk.shift()
    if (unit === undefined) {
      this.#dropping = false
      this.#firstAboveTime = 0
      return undefined
    }
    let okToDrop = this.#okToDrop(now)
    if (this.#dropping) {
      if (!okToDrop) {
        this.#dropping = false
      } else {
        while (this.#dropping && now >= this.#dropNext) {
          this.#components.onDelayDrop(unit)
          this.#count++
          unit = this.#bulk.shift()
          if (unit === undefined) {
            this.#dropping = false
            this.#firstAboveTime = 0
            return undefined
          }
          okToDrop = this.#okToDrop(now)
          if (!okToDrop) this.#dropping = false
          else this.#dropNext = this.#controlLaw(this.#dropNext)
        }
      }
    } else if (okToDrop) {
      this.#components.onDelayDrop(unit)
      unit = this.#bulk.shift()
      this.#dropping = true
      // resume near the last drop rate when the previous dropping state ended only recently
      const recent = this.#count - this.#lastCount
      this.#count = recent > 1 && now - this.#dropNext < 16 * this.#interval ? recent : 1
      this.#lastCount = this.#count
      this.#dropNext = this.#controlLaw(now)
      if (unit === undefined) {
        this.#firstAboveTime = 0
        return undefined
      }
    }
    return unit
  }

  /** Whether the bulk unit just taken waited too long, for too long (updates the timer). */
  #okToDrop (now: number): boolean {
    const sojourn = now - this.#bulk.shiftedTime
    if (sojourn < this.#target || this.#bulk.bytes < MIN_STANDING_BYTES) {
      this.#firstAboveTime = 0
      return false
    }
    if (this.#firstAboveTime === 0) {
      this.#firstAboveTime = now + this.#interval
      return false
    }
    return now >= this.#firstAboveTime
  }

  #controlLaw (from: number): number {
    return from + this.#interval / Math.sqrt(this.#count)
  }
}
