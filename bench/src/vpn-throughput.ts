/**
 * The VPN part of `npm run bench` for this project alone: the raw link, then two edgevpn
 * daemons on it, measured as in the full comparison (iperf3 1 and 4 streams, ping idle and under
 * load, daemon CPU and RSS, time to first ping). Quicker when comparing data-plane variants:
 *
 *   npm run build && node bench/dist/vpn-throughput.js [--seconds 10]
 *
 * `EDGEVPN_ARGS` adds edgevpn flags (e.g. `--tun-offload=false`) and `EDGEVPN_NODE_OPTIONS` node
 * options (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`) to both daemons, each split on spaces.
 */
import { edgevpn } from './contenders/edgevpn.js'
import { checkFlags, flagValue, readFlagsOrExit } from './lib/flags.js'
import { Progress } from './lib/progress.js'
import { contenderNotes, vpnTable } from './lib/report.js'
import { writeResult } from './lib/results-dir.js'
import { runVpnSuite } from './lib/vpn-suite.js'

/** Its own lab prefix, so that it can run while `npm run bench` does. */
const LAB_PREFIX = 'evb'

async function main (): Promise<void> {
  const seconds = readFlagsOrExit('vpn', () => {
    checkFlags(process.argv.slice(2), ['--seconds'], [], '--seconds N')
    return Number(flagValue(process.argv, '--seconds') ?? 10)
  })
  if (!Number.isInteger(seconds) || seconds < 2) throw new Error('--seconds must be a whole number of at least 2')
  const started = new Date()
  const vpn = await runVpnSuite({ contenders: [edgevpn], seconds, labPrefix: LAB_PREFIX, progress: new Progress() })
  process.stdout.write(`\n${vpnTable(vpn)}\n\n${contenderNotes(vpn).join('\n')}\n`)
  const file = writeResult('vpn-throughput', started, 'json', JSON.stringify({ date: started.toISOString(), ...vpn }, null, 2))
  process.stdout.write(`results: ${file}\n`)
  if (vpn.contenders.some(c => c.status !== 'measured')) process.exitCode = 1
}

await main().catch((err: Error) => {
  process.stderr.write(`bench: ${err.message}\n`)
  process.exitCode = 1
})
