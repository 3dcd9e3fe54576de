/** Measurements shared by the benchmarks: iperf3, ping percentiles, process CPU and memory. */
import { readFileSync } from 'node:fs'
import type { LabHost, NetnsLab } from '@edgevpn/testbed/lab'

export interface IperfResult {
  mbitPerSecond: number
  retransmits: number
}

/** One iperf3 TCP run from `client` to `serverAddress` (an iperf3 server must run there). */
export async function iperf (lab: NetnsLab, client: LabHost, serverAddress: string, seconds: number, streams: number = 1): Promise<IperfResult> {
  const out = await lab.exec(client, 'iperf3', ['-c', serverAddress, '-t', String(seconds), '-P', String(streams), '-J'])
  const report = JSON.parse(out) as { end: { sum_received: { bits_per_second: number }, sum_sent: { retransmits?: number } } }
  return { mbitPerSecond: report.end.sum_received.bits_per_second / 1e6, retransmits: report.end.sum_sent.retransmits ?? 0 }
}

export interface PingStats {
  sent: number
  received: number
  p50: number
  p99: number
  max: number
}

/** `count` pings `intervalS` apart; round-trip percentiles in ms. */
export async function pingStats (lab: NetnsLab, from: LabHost, address: string, count: number, intervalS: number = 0.05): Promise<PingStats> {
  const out = await lab.exec(from, 'ping', ['-n', '-c', String(count), '-i', String(intervalS), '-W', '2', address]).catch((err: { stdout?: string }) => err.stdout ?? '')
  return summarizePing(out, count)
}

/** Round-trip percentiles from `ping` output. */
export function summarizePing (pingOutput: string, sent: number): PingStats {
  const rtts = [...pingOutput.matchAll(/time=([\d.]+) ms/g)].map(m => Number(m[1])).sort((a, b) => a - b)
  return { sent, received: rtts.length, p50: percentile(rtts, 0.5), p99: percentile(rtts, 0.99), max: rtts.at(-1) ?? NaN }
}

/** Nearest-rank percentile of an ascending list; `NaN` when it is empty. */
export function percentile (sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.max(0, Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1))]
}

/** CPU seconds (user + system, all threads) a process used so far, from /proc. */
export function cpuSeconds (pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100 // utime, stime in clock ticks (USER_HZ = 100)
}

/** Resident memory of a process in MiB. */
export function rssMiB (pid: number): number {
  return statusMiB(pid, 'VmRSS')
}

/** The largest resident memory a process has had so far, in MiB. */
export function peakRssMiB (pid: number): number {
  return statusMiB(pid, 'VmHWM')
}

function statusMiB (pid: number, field: string): number {
  const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return match == null ? NaN : Number(match[1]) / 1024
}

export async function sleep (ms: number): Promise<void> {
  await new Promise(resolve => setTimeout(resolve, ms))
}

/**
 * Resolves once `address` answers a ping from `from`, probing every 50 ms: `ping -c 1 -w`
 * keeps sending until the first reply, and is restarted while the address has no route yet
 * (the VPN's device does not exist).
 *
 * @throws Error after `timeoutMs` without a reply
 */
export async function waitForFirstPing (lab: NetnsLab, from: LabHost, address: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const left = Math.ceil((deadline - Date.now()) / 1000)
    if (left <= 0) throw new Error(`no ping reply from ${address} within ${timeoutMs / 1000} s`)
    const replied = await lab.exec(from, 'ping', ['-n', '-q', '-c', '1', '-i', '0.05', '-w', String(left), address]).then(() => true, () => false)
    if (replied) return
    await sleep(50)
  }
}
