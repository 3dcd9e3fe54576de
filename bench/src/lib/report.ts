/** Turns a {@link BenchReport} into the terminal/README tables and the chart. */
import { formatNumber, formatTable } from './table.js'
import type { BarChart } from './chart.js'
import type { BenchReport, ContenderOutcome, LedgerRow, PathResult, ScaleResult, ScaleRow, TunnelResult, VpnSuiteResult } from './results.js'

const pair = (a: number, b: number, digits: number): string => `${formatNumber(a, digits)} / ${formatNumber(b, digits)}`

/** One row per path: raw link, then each measured contender. */
export function vpnTable (vpn: VpnSuiteResult): string {
  const header = ['path', 'TCP 1 stream Mbit/s', 'TCP 4 streams Mbit/s', 'ping idle p50 / p99 ms', 'ping loaded p50 / p99 ms',
    'CPU % snd / rcv 1 stream', 'CPU % snd / rcv 4 streams', 'RSS idle MiB snd / rcv', 'RSS peak MiB', 'first ping s', 'load avg']
  const row = (name: string, path: PathResult, tunnel?: TunnelResult): string[] => [
    name,
    formatNumber(path.tcp1.mbitPerSecond),
    formatNumber(path.tcp4.mbitPerSecond),
    pair(path.pingIdle.p50, path.pingIdle.p99, 3),
    pair(path.pingLoaded.p50, path.pingLoaded.p99, 2) + (path.pingLoaded.received < path.pingLoaded.sent ? ` (${path.pingLoaded.sent - path.pingLoaded.received} lost)` : ''),
    tunnel === undefined ? '-' : pair(tunnel.daemons.cpuPercentTcp1.sender, tunnel.daemons.cpuPercentTcp1.receiver, 0),
    tunnel === undefined ? '-' : pair(tunnel.daemons.cpuPercentTcp4.sender, tunnel.daemons.cpuPercentTcp4.receiver, 0),
    tunnel === undefined ? '-' : pair(tunnel.daemons.rssIdleMiB.sender, tunnel.daemons.rssIdleMiB.receiver, 0),
    tunnel === undefined ? '-' : pair(tunnel.daemons.rssPeakMiB.sender, tunnel.daemons.rssPeakMiB.receiver, 0),
    tunnel === undefined ? '-' : formatNumber(tunnel.firstPingMs / 1000, 2),
    tunnel === undefined ? '-' : formatNumber(tunnel.loadAverage, 1)
  ]
  const rows = [row('raw link', vpn.raw), ...measuredOnly(vpn.contenders).map(o => row(o.name, o.result, o.result))]
  return formatTable(header, rows)
}

/** What each contender was, and why one was not measured. */
export function contenderNotes (vpn: VpnSuiteResult): string[] {
  return vpn.contenders.map(outcome => {
    switch (outcome.status) {
      case 'measured': return `- ${outcome.name}: ${outcome.description}`
      case 'skipped': return `- ${outcome.name}: SKIPPED, ${outcome.reason}`
      case 'failed': return `- ${outcome.name}: FAILED, ${outcome.reason}; ${outcome.description}`
    }
  })
}

export function ledgerTable (rows: LedgerRow[]): string {
  return formatTable(
    ['nodes', 'writes', 'writes not converged', 'convergence p50 ms', 'p99 ms', 'max ms', '100-write burst s', 'idle KB per node per hour'],
    rows.map(r => [String(r.nodes), String(r.writes), String(r.unconverged), formatNumber(r.p50), formatNumber(r.p99), formatNumber(r.max),
      formatNumber(r.burstMs / 1000, 1), formatNumber(idleBytesPerNodeHour(r) / 1000)])
  )
}

/** The idle rate measured over `idleSeconds`, scaled to an hour. */
export function idleBytesPerNodeHour (row: LedgerRow): number {
  return row.idleBytesPerNodeMinute * 60
}

/** Per mesh size: does it form and work, and its cost per node at rest. */
export function scaleTable (rows: ScaleRow[]): string {
  return formatTable(['nodes', 'mesh formed s', 'pairs pinged', 'writes seen on all', 'write p50 / p99 ms', 'slowest first API answer ms', 'APIs answering', 'link MB/h per node', 'CPU % per node', 'RSS MB avg / max'],
    rows.map(r => [String(r.nodes), formatNumber(r.meshSeconds, 1), `${r.pairsPinged}/${r.pairsTried}`, `${r.writesSeen}/${r.writesMade}`,
      pair(r.writeP50Ms, r.writeP99Ms, 0), formatNumber(r.writePollMs, 0), `${r.apisAnswering}/${r.nodes}`, formatNumber(r.linkMBPerHour, 1), formatNumber(r.cpuPercent, 2), pair(r.rssMB, r.rssMaxMB, 0)]))
}

/** Per mesh size, what each node sent at rest, by sender (libp2p protocol, mDNS, the rest). */
export function scaleSendersTable (rows: ScaleRow[]): string {
  const senders = [...new Set(rows.flatMap(r => Object.keys(r.sentMBPerHourBy)))]
  return formatTable(['sent per node, MB/h', ...rows.map(r => `${r.nodes} nodes`)],
    senders.map(sender => [sender, ...rows.map(r => formatNumber(r.sentMBPerHourBy[sender] ?? 0, 2))]))
}

/** The scale section: both tables, what the window was, and the sizes that failed. */
export function scaleSection (scale: ScaleResult): string[] {
  const parts: string[] = []
  if (scale.rows.length > 0) {
    parts.push(scaleTable(scale.rows), '', `Write times: from the PUT until the last node's API answered with the value, each node polled on its own every 100 ms until it has it. At rest: measured over ${scale.windowSeconds} s after ${scale.settleSeconds} s idle, scaled to one hour.`, '', scaleSendersTable(scale.rows))
  }
  parts.push(...scale.failures.map(failure => `- FAILED: ${failure}`))
  return parts
}

export function targetsTable (report: BenchReport): string {
  return formatTable(['target', 'measured', 'result'], report.targets.map(t => [t.target, t.measured, t.status]), ['left', 'left', 'left'])
}

/** The whole report as Markdown: what the terminal shows at the end and the README quotes. */
export function formatReport (report: BenchReport): string {
  const { vpn } = report
  const parts = [
    `Run ${report.date} on ${report.machine.cpus} × ${report.machine.cpuModel}, Linux ${report.machine.kernel}, load average at start ${report.machine.loadAverageAtStart.map(l => l.toFixed(2)).join(' ')}`,
    `Command: \`${report.command}\``,
    '',
    `### VPN data plane: two namespaces on one bridge, ${vpn.seconds} s per iperf3 run, sender → receiver`,
    '',
    vpnTable(vpn),
    '',
    ...contenderNotes(vpn)
  ]
  if (report.ledger !== undefined) {
    parts.push('', '### Ledger convergence (nodes in worker processes of up to 10, TCP on loopback)', '')
    const { rows, failures } = report.ledger
    if (rows.length > 0) parts.push(ledgerTable(rows), '', `Idle bytes: measured over ${rows[0].idleSeconds} s once the ledger was quiet, scaled to one hour.`)
    parts.push(...failures.map(failure => `- FAILED: ${failure}`))
  }
  if (report.scale !== undefined) {
    parts.push('', '### Scale: real daemons (VPN, API, mDNS), one per namespace on one bridge', '', ...scaleSection(report.scale))
  }
  parts.push('', '### Targets (edgevpn, this run)', '', targetsTable(report))
  return `${parts.join('\n')}\n`
}

/** Throughput and latency under load, one group per path (the raw link is off the scale and only named). */
export function benchChart (report: BenchReport): BarChart {
  const tunnels = measuredOnly(report.vpn.contenders)
  const { raw } = report.vpn
  return {
    title: 'VPN data plane: two network namespaces on one bridge',
    subtitle: `${report.date.slice(0, 16).replace('T', ' ')} UTC, ${report.vpn.seconds} s iperf3 runs, ${report.machine.cpus} CPUs; raw link ${formatNumber(raw.tcp1.mbitPerSecond)} / ${formatNumber(raw.tcp4.mbitPerSecond)} Mbit/s (not drawn)`,
    panels: [
      {
        title: 'TCP throughput (iperf3, higher is better)',
        unit: 'Mbit/s',
        series: ['1 stream', '4 streams'],
        groups: tunnels.map(o => ({ label: o.name, values: [o.result.tcp1.mbitPerSecond, o.result.tcp4.mbitPerSecond] }))
      },
      {
        title: 'Ping during the 1-stream run (lower is better)',
        unit: 'ms',
        series: ['p50', 'p99'],
        groups: tunnels.map(o => ({ label: o.name, values: [o.result.pingLoaded.p50, o.result.pingLoaded.p99] }))
      }
    ]
  }
}

function measuredOnly (outcomes: ContenderOutcome[]): Array<Extract<ContenderOutcome, { status: 'measured' }>> {
  return outcomes.flatMap(o => o.status === 'measured' ? [o] : [])
}
