/**
 * The one measurement every path gets, raw link and tunnels alike: idle pings, iperf3 with 1
 * stream while pinging, iperf3 with 4 streams, and, for a tunnel, its daemons' CPU and memory.
 */
import { cpuSeconds, iperf, peakRssMiB, pingStats, rssMiB, sleep } from './measure.js'
import type { Progress } from './progress.js'
import type { DaemonUsage, PathResult, PerDaemon } from './results.js'
import type { LabHost, NetnsLab } from '@edgevpn/testbed/lab'

/** Steps {@link measurePath} reports. */
export const PATH_STEPS = 3

export interface PathMeasureInit {
  lab: NetnsLab
  /** Runs ping and the iperf3 client. */
  client: LabHost
  /** Address where an iperf3 server answers. */
  server: string
  /** Seconds per iperf3 run. */
  seconds: number
  /** Names the path in progress lines. */
  label: string
  progress: Progress
  /** Daemon PIDs of a tunnel, to measure their CPU and memory. @default none (raw link) */
  pids?: PerDaemon
}

export async function measurePath (init: PathMeasureInit): Promise<PathResult> {
  const { lab, client, server, seconds, label, progress } = init
  const meter = init.pids === undefined ? undefined : new DaemonMeter(init.pids)

  progress.step(`${label}: ping idle`)
  const pingIdle = await pingStats(lab, client, server, 100, 0.02)
  meter?.idle()

  progress.step(`${label}: iperf3 1 stream + ping under load`)
  const loaded = async (): Promise<[PathResult['tcp1'], PathResult['pingLoaded']]> => await Promise.all([
    iperf(lab, client, server, seconds),
    // Start pinging once TCP is past slow start; stop before iperf3 does.
    sleep(1000).then(async () => await pingStats(lab, client, server, Math.max(10, (seconds - 2) * 20), 0.05))
  ])
  const [tcp1, pingLoaded] = await (meter?.during('tcp1', loaded) ?? loaded())

  progress.step(`${label}: iperf3 4 streams`)
  const fourStreams = async (): Promise<PathResult['tcp4']> => await iperf(lab, client, server, seconds, 4)
  const tcp4 = await (meter?.during('tcp4', fourStreams) ?? fourStreams())

  return { pingIdle, tcp1, pingLoaded, tcp4, ...(meter === undefined ? {} : { daemons: meter.usage() }) }
}

/** CPU and memory of a tunnel's two daemons, from /proc. */
class DaemonMeter {
  readonly #pids: PerDaemon
  #rssIdle?: PerDaemon
  readonly #cpu = new Map<'tcp1' | 'tcp4', PerDaemon>()

  constructor (pids: PerDaemon) {
    this.#pids = pids
  }

  /** Takes the idle figures. */
  idle (): void {
    this.#rssIdle = this.#read(rssMiB)
  }

  /** Runs `work` and keeps each daemon's CPU use meanwhile, in per cent of one core. */
  async during<T> (phase: 'tcp1' | 'tcp4', work: () => Promise<T>): Promise<T> {
    const before = this.#read(cpuSeconds)
    const started = performance.now()
    const value = await work()
    const seconds = (performance.now() - started) / 1000
    const after = this.#read(cpuSeconds)
    this.#cpu.set(phase, { sender: (after.sender - before.sender) / seconds * 100, receiver: (after.receiver - before.receiver) / seconds * 100 })
    return value
  }

  usage (): DaemonUsage {
    const cpuTcp1 = this.#cpu.get('tcp1')
    const cpuTcp4 = this.#cpu.get('tcp4')
    if (this.#rssIdle === undefined || cpuTcp1 === undefined || cpuTcp4 === undefined) throw new Error('daemon usage asked before every phase was measured')
    return { cpuPercentTcp1: cpuTcp1, cpuPercentTcp4: cpuTcp4, rssIdleMiB: this.#rssIdle, rssPeakMiB: this.#read(peakRssMiB) }
  }

  #read (read: (pid: number) => number): PerDaemon {
    return { sender: read(this.#pids.sender), receiver: read(this.#pids.receiver) }
  }
}
