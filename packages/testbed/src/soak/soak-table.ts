/** The soak report as text for a terminal. */
import { STDERR_MARGIN } from './leak-bounds.js'
import type { SoakReport, SoakSample } from './run-soak.js'

export function formatSoakReport (report: SoakReport): string {
  const lines = [
    `leak slopes per daemon after a ${report.warmupMinutes.toFixed(1)} min warm-up (least squares per hour; fails when slope − ${STDERR_MARGIN}σ > bound)`,
    row(['node', 'metric', 'unit', 'first', 'last', 'slope/h', 'σ/h', 'bound/h', 'verdict'])
  ]
  for (const slope of report.slopes) {
    lines.push(row([slope.node, slope.metric, slope.unit, slope.first.toFixed(1), slope.last.toFixed(1),
      `${slope.perHour >= 0 ? '+' : ''}${slope.perHour.toFixed(2)}`, slope.stderrPerHour.toFixed(2), String(slope.boundPerHour), slope.passed ? 'ok' : 'EXCEEDED']))
  }
  const sent = sum(report.pings.map(pair => pair.sent))
  const received = sum(report.pings.map(pair => pair.received))
  const worst = [...report.pings].sort((a, b) => lossOf(b) - lossOf(a))[0]
  const intact = report.transfers.filter(round => round.intact)
  const visible = report.ledger.flatMap(round => round.visibleMs === undefined ? [] : [round.visibleMs])
  const transferMs = intact.map(round => round.ms ?? 0)
  lines.push(
    `traffic over ${report.minutes.toFixed(1)} min`,
    `  pings      ${sent} sent, ${received} received (${percent(sent === 0 ? 0 : 1 - received / sent)} lost${worst === undefined ? '' : `; worst ${worst.from} → ${worst.to} ${percent(lossOf(worst))}`})`,
    `  transfers  ${report.transfers.length}: ${intact.length} intact (sha256 checked)${transferMs.length === 0 ? '' : `, median ${(median(transferMs) / 1000).toFixed(1)} s`}`,
    `  ledger     ${report.ledger.length} writes: ${visible.length} read back on every node${visible.length === 0 ? '' : `, median ${median(visible)} ms, max ${Math.max(...visible)} ms`}`,
    `  dns        ${report.dns.length} queries: ${report.dns.filter(round => round.ok).length} right`,
    `  vpn drops  ${report.nodes.map(node => `${node.name} ${lastSample(report, node.name)?.values.vpnDrops ?? '?'}`).join(', ')} (packets the VPN did not deliver, all reasons)`,
    report.passed ? 'result: PASSED' : `result: FAILED\n${report.failures.map(failure => `  - ${failure}`).join('\n')}`
  )
  return lines.join('\n')
}

const WIDTHS = [8, 12, 8, 9, 9, 10, 8, 8, 8]

function row (cells: string[]): string {
  return cells.map((cell, i) => i < 3 ? cell.padEnd(WIDTHS[i]) : cell.padStart(WIDTHS[i])).join(' ')
}

function lastSample (report: SoakReport, node: string): SoakSample | undefined {
  return report.samples.findLast(sample => sample.node === node)
}

function lossOf (pair: { sent: number, received: number }): number {
  return pair.sent === 0 ? 1 : 1 - pair.received / pair.sent
}

function percent (share: number): string {
  return `${(share * 100).toFixed(2)} %`
}

function sum (values: number[]): number {
  return values.reduce((total, value) => total + value, 0)
}

function median (values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}
