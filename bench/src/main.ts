/**
 * `npm run bench`: every benchmark of the VPN in one run. Builds a two-host network-namespace lab
 * and measures the raw link, this project and, when Debian has them, nebula, tinc and
 * wireguard-go, all the same way (iperf3 1 and 4 streams, ping idle and under load, daemon CPU
 * and memory, time to first ping); then ledger convergence at 10 and 50 nodes; then meshes of
 * 10, 50 and 100 real daemons, whether they form and work and what each node costs at rest
 * (`scale.js`). Prints progress while it runs and a table at the end; writes JSON, an SVG chart
 * (and a PNG when a renderer is installed) to `bench/results/`, also as `latest.*`.
 *
 *   npm run bench [-- --seconds 10] [-- --only edgevpn,nebula] [-- --skip-ledger] [-- --skip-scale] [-- --quick]
 */
import { copyFileSync } from 'node:fs'
import { cpus, loadavg, release } from 'node:os'
import { join } from 'node:path'
import { CONTENDERS } from './contenders/index.js'
import { renderBarChart } from './lib/chart.js'
import { parseBenchOptions, readFlagsOrExit } from './lib/flags.js'
import { runLedgerBench } from './lib/ledger-run.js'
import { runScaleBench } from './lib/scale-run.js'
import { svgSize, svgToPng } from './lib/png.js'
import { Progress } from './lib/progress.js'
import { benchChart, formatReport } from './lib/report.js'
import { RESULTS_DIR, writeResult } from './lib/results-dir.js'
import { checkTargets } from './lib/targets.js'
import { runVpnSuite } from './lib/vpn-suite.js'
import type { BenchReport } from './lib/results.js'

/** Namespaces `evtb-1`, `evtb-2`, `evtb-sw`; devices `evtbwg1` etc. */
const LAB_PREFIX = 'evtb'

async function main (): Promise<number> {
  const argv = process.argv.slice(2)
  const options = readFlagsOrExit('bench', () => parseBenchOptions(argv, CONTENDERS.map(c => c.name)))
  const started = new Date()
  const loadAverageAtStart = loadavg()
  const progress = new Progress()
  progress.plan(options.ledgerSizes.length + options.scaleSizes.length)

  const vpn = await runVpnSuite({
    contenders: CONTENDERS.filter(c => options.contenders.includes(c.name)),
    seconds: options.seconds,
    labPrefix: LAB_PREFIX,
    progress
  })
  let ledger: BenchReport['ledger']
  if (options.ledgerSizes.length > 0) {
    ledger = await runLedgerBench({ sizes: options.ledgerSizes, writes: options.ledgerWrites, idleSeconds: options.ledgerIdleSeconds, progress })
  }
  const scale = options.scaleSizes.length > 0 ? await runScaleBench({ sizes: options.scaleSizes, settleSeconds: options.scaleSettleSeconds, windowSeconds: options.scaleWindowSeconds, progress }) : undefined

  const report: BenchReport = {
    date: started.toISOString(),
    command: process.env.npm_lifecycle_event === 'bench'
      ? `npm run bench${argv.length > 0 ? ` -- ${argv.join(' ')}` : ''}`
      : `node bench/dist/main.js ${argv.join(' ')}`.trim(),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown CPU', kernel: release(), loadAverageAtStart },
    vpn,
    ...(ledger === undefined ? {} : { ledger }),
    ...(scale === undefined ? {} : { scale }),
    targets: checkTargets(vpn, scale)
  }
  process.stdout.write(`\n${formatReport(report)}\n`)

  const json = writeResult('bench', started, 'json', JSON.stringify(report, null, 2), true)
  const svg = renderBarChart(benchChart(report))
  const svgFile = writeResult('bench', started, 'svg', svg, true)
  const pngFile = svgFile.replace(/\.svg$/, '.png')
  const { width, height } = svgSize(svg)
  const renderer = await svgToPng(svgFile, pngFile, width, height)
  if (renderer !== undefined) copyFileSync(pngFile, join(RESULTS_DIR, 'latest.png'))
  process.stdout.write(`results: ${json}\nchart: ${svgFile}${renderer === undefined ? ' (no PNG: neither rsvg-convert nor chromium rendered it)' : `, ${pngFile} (${renderer})`}\n`)
  return 0
}

process.exitCode = await main().catch((err: Error) => {
  process.stderr.write(`bench: ${err.message}\n`)
  return 1
})
