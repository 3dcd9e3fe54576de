import { createInterface } from 'node:readline'
import type { LabHost, NetnsLab } from '../lab/netns-lab.js'
import type { ChildProcess } from 'node:child_process'

export interface PingerInit {
  from: LabHost
  address: string
  /**
   * Seconds between echo requests (ping's `-i`; below 0.2 needs root).
   *
   * @default 1
   */
  intervalSeconds?: number
}

const REPLY = /icmp_seq=(\d+) .*time=/
const NO_ANSWER = /no answer yet for icmp_seq=(\d+)/

/**
 * Continuous `ping -O` from a lab host, restarted whenever it exits (ping gives up when the
 * VPN route disappears, e.g. while the local daemon restarts). An echo request counts once its
 * outcome is known: a reply, or a later request sent without one.
 */
export class Pinger {
  readonly from: LabHost
  readonly address: string
  /** When each reply arrived (ms since the epoch), in order. */
  readonly replyTimes: number[] = []
  readonly #lab: NetnsLab
  readonly #interval: string
  #sent = 0
  #received = 0
  #child: ChildProcess | undefined
  #stopped = false
  #exited: Promise<void> = Promise.resolve()

  constructor (lab: NetnsLab, init: PingerInit) {
    this.#lab = lab
    this.from = init.from
    this.address = init.address
    this.#interval = String(init.intervalSeconds ?? 1)
  }

  /** Echo requests with a known outcome. */
  get sent (): number {
    return this.#sent
  }

  get received (): number {
    return this.#received
  }

  /** The first reply at or after `time` (ms since the epoch), if there was one yet. */
  firstReplyAfter (time: number): number | undefined {
    return this.replyTimes.find(at => at >= time)
  }

  start (): void {
    this.#stopped = false
    this.#run()
  }

  async stop (): Promise<void> {
    this.#stopped = true
    this.#child?.kill('SIGINT')
    await this.#exited
  }

  #run (): void {
    const child = this.#lab.spawn(this.from, 'ping', ['-n', '-O', '-i', this.#interval, '-W', '1', this.address])
    this.#child = child
    const replied = new Set<number>()
    let highest = 0
    const settle = (seq: number): void => {
      if (seq <= highest) return
      this.#sent += seq - highest
      highest = seq
    }
    createInterface({ input: child.stdout! }).on('line', line => {
      const reply = REPLY.exec(line)
      if (reply !== null) {
        const seq = Number(reply[1])
        if (replied.has(seq)) return
        replied.add(seq)
        this.#received++
        this.replyTimes.push(Date.now())
        settle(seq)
        return
      }
      const missing = NO_ANSWER.exec(line)
      if (missing !== null) settle(Number(missing[1]))
    })
    child.stderr!.resume()
    this.#exited = new Promise(resolve => {
      child.once('exit', () => {
        if (this.#stopped) {
          resolve()
          return
        }
        // ping gave up (no route): that attempt is lost; try again after one interval.
        if (highest === 0) this.#sent++
        setTimeout(() => {
          if (!this.#stopped) this.#run()
          resolve()
        }, Number(this.#interval) * 1000)
      })
    })
  }
}
