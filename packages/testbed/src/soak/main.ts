#!/usr/bin/env node
/**
 * `npm run soak -- --minutes N`: five `edgevpn` daemons in network namespaces under mixed
 * traffic for N minutes, sampled for leaks; prints a table, writes a JSON report and exits 1
 * when a slope passes its bound or the traffic failed. `--help` lists the bounds.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { tunUnavailableReason } from '@edgevpn/tun'
import { netnsUnavailableReason } from '../lab/netns-lab.js'
import { FLOOR_WINDOW_SECONDS, LEAK_METRICS, STDERR_MARGIN, TRAFFIC_BOUNDS } from './leak-bounds.js'
import { runSoak } from './run-soak.js'
import { formatSoakReport } from './soak-table.js'

const USAGE = `usage: npm run soak -- [--minutes N] [--warmup M] [--nodes K] [--dhcp] [--out FILE]

Runs K edgevpn daemons (default 5; static VPN addresses, or leased with --dhcp; DNS, API,
ledger on disk) in network namespaces for N minutes (default 10) under mixed traffic: ping
between every pair, a checksummed 16 MiB TCP transfer every 30 s, a ledger write read back on every node every 5 s, a DNS query every 10 s. Every
10 s it reads each daemon's /metrics; after the warm-up (default: a third of N, at most 3 min)
it fits a least-squares line per daemon and metric and reports the slope per hour.

The line goes through the lowest sample of each ${FLOOR_WINDOW_SECONDS} s (what stays allocated or open).
It fails (exit status 1) when a slope less ${STDERR_MARGIN} standard errors is above its bound:
${LEAK_METRICS.map(leak => `  ${leak.id.padEnd(12)} ${leak.boundPerHour} ${leak.unit}/h`).join('\n')}
or when the traffic failed: more than ${TRAFFIC_BOUNDS.pingLoss * 100} % pings lost on a pair, a transfer not intact, a ledger
write not read on every node within ${TRAFFIC_BOUNDS.ledgerVisibleMs / 1000} s, more than ${TRAFFIC_BOUNDS.dnsFailures * 100} % DNS queries unanswered, a daemon
that exited, an address held twice, or a ledger that differs between nodes at the end.

The JSON report (every sample too) goes to FILE, default soak/results/soak-<time>.json.
Needs root (network namespaces, TUN), ping and dig. See docs/soak.md.`

function say (text: string): void {
  process.stdout.write(`[soak] ${text}\n`)
}

async function main (): Promise<number> {
  let values
  try {
    ({ values } = parseArgs({
      options: {
        minutes: { type: 'string', default: '10' },
        warmup: { type: 'string' },
        nodes: { type: 'string', default: '5' },
        dhcp: { type: 'boolean', default: false },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false }
      }
    }))
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`)
    return 2
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`)
    return 0
  }
  const minutes = Number(values.minutes)
  const warmupMinutes = values.warmup === undefined ? undefined : Number(values.warmup)
  const nodes = Number(values.nodes)
  if (!(minutes > 0) || (warmupMinutes !== undefined && !(warmupMinutes >= 0 && warmupMinutes < minutes)) || !Number.isInteger(nodes) || nodes < 2 || nodes > 20) {
    process.stderr.write(`--minutes must be positive, --warmup between 0 and the minutes, --nodes an integer from 2 to 20\n${USAGE}\n`)
    return 2
  }
  const unavailable = netnsUnavailableReason() ?? tunUnavailableReason()
  if (unavailable !== undefined) {
    say(`the soak needs network namespaces and TUN devices, but ${unavailable}`)
    return 1
  }
  const out = resolve(values.out ?? join('soak', 'results', `soak-${new Date().toISOString().replace(/[:.]/g, '-')}.json`))
  const stateDir = mkdtempSync(join(tmpdir(), 'evt-soak-'))
  const abort = new AbortController()
  process.once('SIGINT', () => {
    say('interrupted: stopping the traffic, then reporting')
    abort.abort()
  })
  try {
    const report = await runSoak({ minutes, warmupMinutes, nodes, addressing: values.dhcp ? 'dhcp' : 'static', stateDir, signal: abort.signal, log: say })
    mkdirSync(dirname(out), { recursive: true })
    writeFileSync(out, JSON.stringify(report, null, 2) + '\n')
    process.stdout.write(`${formatSoakReport(report)}\n`)
    say(`report written to ${out}`)
    return report.passed ? 0 : 1
  } finally {
    rmSync(stateDir, { recursive: true, force: true })
  }
}

process.exitCode = await main().catch((err: Error) => {
  say(`failed: ${err.message}`)
  return 1
})
