/** Hand-made benchmark results for the tests of the pure parts (tables, targets, chart). */
import type { BenchReport, PathResult, ScaleResult, ScaleRow, TunnelResult, VpnSuiteResult } from '../src/lib/results.js'

export function path (tcp1: number, tcp4: number, idleP50: number, loadedP99: number): PathResult {
  return {
    pingIdle: { sent: 100, received: 100, p50: idleP50, p99: idleP50 * 2, max: idleP50 * 3 },
    tcp1: { mbitPerSecond: tcp1, retransmits: 0 },
    pingLoaded: { sent: 160, received: 160, p50: loadedP99 / 4, p99: loadedP99, max: loadedP99 },
    tcp4: { mbitPerSecond: tcp4, retransmits: 3 }
  }
}

export function tunnel (tcp1: number, idleP50: number, loadedP99: number, rssMiB: number, firstPingMs: number): TunnelResult {
  return {
    ...path(tcp1, tcp1 * 1.1, idleP50, loadedP99),
    firstPingMs,
    loadAverage: 1.5,
    daemons: {
      cpuPercentTcp1: { sender: 90, receiver: 70 },
      cpuPercentTcp4: { sender: 95, receiver: 75 },
      rssIdleMiB: { sender: rssMiB, receiver: rssMiB - 1 },
      rssPeakMiB: { sender: rssMiB * 2, receiver: rssMiB * 2 }
    }
  }
}

export function suite (): VpnSuiteResult {
  return {
    seconds: 10,
    raw: path(20_000, 30_000, 0.05, 0.1),
    contenders: [
      { name: 'edgevpn', status: 'measured', description: 'edgevpn-ts 0.1.0', result: tunnel(1000, 0.5, 4, 100, 2500) },
      { name: 'nebula', status: 'measured', description: 'nebula 1.6.1', result: tunnel(800, 0.3, 2, 13, 300) },
      { name: 'tinc', status: 'skipped', reason: 'tincd not found (Debian package tinc): apt-get failed' },
      { name: 'wireguard-go', status: 'failed', description: 'wireguard-go 0.0', reason: 'no ping reply from 10.1.0.2 within 60 s' }
    ]
  }
}

/** A mesh size of the scale section that formed and worked, with the given cost at rest per node. */
export function scaleRow (nodes: number, linkMBPerHour: number, cpuPercent: number, rssMaxMB: number): ScaleRow {
  return {
    nodes, meshSeconds: nodes * 1.5, pairsPinged: 20, pairsTried: 20, writesSeen: 20, writesMade: 20, writeP50Ms: 300, writeP99Ms: 700, writePollMs: 40,
    apisAnswering: nodes, linkMBPerHour, cpuPercent, rssMB: rssMaxMB - 5, rssMaxMB,
    sentMBPerHourBy: { 'stream /edgevpn-ts/ledger-sync/1.1.0': 1.2, mDNS: 0.01 }
  }
}

export function scale (): ScaleResult {
  return { settleSeconds: 60, windowSeconds: 60, rows: [scaleRow(10, 3, 0.3, 110), scaleRow(50, 3.5, 0.35, 112), scaleRow(100, 4, 0.4, 115)], failures: [] }
}

export function report (vpn: VpnSuiteResult = suite()): BenchReport {
  return {
    date: '2026-11-22T04:00:00.000Z',
    command: 'npm run bench',
    machine: { cpus: 2, cpuModel: 'Test CPU', kernel: '6.1', loadAverageAtStart: [1, 0.5, 0.25] },
    vpn,
    ledger: {
      rows: [{ nodes: 10, writes: 10, unconverged: 0, p50: 64, p99: 594, max: 600, idleBytesPerNodeMinute: 283_000, idleSeconds: 20, blockBytes: 9000, burstMs: 2600 }],
      failures: ['50 nodes: the benchmark exited with 1 (its error is above in the output)']
    },
    targets: []
  }
}
