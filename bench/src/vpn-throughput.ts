/**
 * VPN data-plane benchmark: two hosts in network namespaces on one bridge. Measures, in one run,
 * the raw link and the edgevpn tunnel between them: iperf3 TCP (1 and 4 streams), ping idle and
 * under load, daemon CPU and RSS, and the time from starting both daemons to the first ping.
 *
 *   npm run build && node bench/dist/vpn-throughput.js [--seconds 10]
 *
 * `EDGEVPN_NODE_OPTIONS` adds node arguments to both daemons, e.g.
 * `EDGEVPN_NODE_OPTIONS='--cpu-prof --cpu-prof-dir=/tmp/prof'` to profile them, and
 * `EDGEVPN_ARGS` adds edgevpn flags (e.g. `--tun-offload=false`), both split on spaces.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { encodeToken, generateNetworkConfig } from '@edgevpn/mesh-core'
import { createNetnsLab, netnsUnavailableReason } from '@edgevpn/vpn-daemon/lab'
import { ensureCommands } from './lib/debian.js'
import { cpuSeconds, iperf, pingStats, rssMiB, sleep } from './lib/measure.js'
import type { IperfResult, PingStats } from './lib/measure.js'
import type { LabHost, NetnsLab } from '@edgevpn/vpn-daemon/lab'
import type { ChildProcess } from 'node:child_process'

const EDGEVPN = fileURLToPath(new URL('./cli/edgevpn.js', import.meta.resolve('@edgevpn/vpn-daemon')))
const RESULTS = fileURLToPath(new URL('../results/', import.meta.url))

interface PathResult {
  tcp1: IperfResult
  tcp4: IperfResult
  pingIdle: PingStats
  pingLoaded: PingStats
}

interface VpnResult extends PathResult {
  firstPingMs: number
  cpuSecondsPerDaemon: number[]
  rssMiB: number[]
}

const seconds = Number(argValue('--seconds') ?? 10)
const daemonNodeArgs = splitArgs(process.env.EDGEVPN_NODE_OPTIONS)
const daemonExtraArgs = splitArgs(process.env.EDGEVPN_ARGS)

async function main (): Promise<void> {
  const reason = netnsUnavailableReason()
  if (reason !== undefined) throw new Error(`cannot run: ${reason}`)
  const missing = ensureCommands({ iperf3: 'iperf3', ping: 'iputils-ping' })
  if (missing.length > 0) throw new Error(`cannot run without ${missing.join(', ')}`)

  const lab = await createNetnsLab({ prefix: 'evb', hosts: 2 })
  try {
    const [a, b] = lab.hosts
    lab.spawn(b, 'iperf3', ['-s'])
    await sleep(300)
    progress('raw link')
    const raw = await measurePath(lab, a, b.address)

    progress('edgevpn: starting daemons')
    const token = encodeToken(generateNetworkConfig({ interval: 360n }))
    const started = Date.now()
    const daemons = [startDaemon(lab, a, token, '10.1.0.1/24'), startDaemon(lab, b, token, '10.1.0.2/24')]
    await waitForPing(lab, a, '10.1.0.2', 60_000)
    const firstPingMs = Date.now() - started
    progress(`edgevpn: first ping after ${firstPingMs} ms`)
    const cpuBefore = daemons.map(d => cpuSeconds(d.pid ?? 0))
    const tunnel = await measurePath(lab, a, '10.1.0.2')
    const vpn: VpnResult = {
      ...tunnel,
      firstPingMs,
      cpuSecondsPerDaemon: daemons.map((d, i) => cpuSeconds(d.pid ?? 0) - cpuBefore[i]),
      rssMiB: daemons.map(d => rssMiB(d.pid ?? 0))
    }
    report(raw, vpn)
  } finally {
    await lab.destroy()
  }
}

function startDaemon (lab: NetnsLab, host: LabHost, token: string, address: string): ChildProcess {
  const child = lab.spawn(host, process.execPath, [...daemonNodeArgs, EDGEVPN, '--token', token, '--address', address, '--dht=false',
    '--listen-maddrs', `/ip4/${host.address}/tcp/0`, '--log-level', 'warn', ...daemonExtraArgs], { stdio: ['ignore', 'ignore', 'inherit'] })
  return child
}

async function waitForPing (lab: NetnsLab, from: LabHost, address: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const stats = await pingStats(lab, from, address, 1, 0.2)
    if (stats.received > 0) return
  }
  throw new Error(`no ping reply from ${address} within ${timeoutMs} ms`)
}

async function measurePath (lab: NetnsLab, client: LabHost, server: string): Promise<PathResult> {
  const pingIdle = await pingStats(lab, client, server, 100, 0.02)
  const [tcp1, pingLoaded] = await Promise.all([
    iperf(lab, client, server, seconds),
    sleep(1000).then(async () => await pingStats(lab, client, server, Math.max(10, (seconds - 2) * 20), 0.05))
  ])
  const tcp4 = await iperf(lab, client, server, seconds, 4)
  return { tcp1, tcp4, pingIdle, pingLoaded }
}

function report (raw: PathResult, vpn: VpnResult): void {
  const row = (name: string, p: PathResult): string =>
    `${name.padEnd(10)} ${p.tcp1.mbitPerSecond.toFixed(0).padStart(9)} ${p.tcp4.mbitPerSecond.toFixed(0).padStart(9)}` +
    `   ${fmt(p.pingIdle.p50)} / ${fmt(p.pingIdle.p99)}     ${fmt(p.pingLoaded.p50)} / ${fmt(p.pingLoaded.p99)}`
  const lines = [
    '',
    `path       TCP1 Mb/s TCP4 Mb/s   ping idle p50/p99 ms   ping loaded p50/p99 ms   (${seconds} s per iperf3 run)`,
    row('raw link', raw),
    row('edgevpn', vpn),
    '',
    `edgevpn / raw: ${(vpn.tcp1.mbitPerSecond / raw.tcp1.mbitPerSecond).toFixed(3)} (1 stream), ${(vpn.tcp4.mbitPerSecond / raw.tcp4.mbitPerSecond).toFixed(3)} (4 streams)`,
    `edgevpn first ping ${vpn.firstPingMs} ms after start; daemon CPU during the runs ${vpn.cpuSecondsPerDaemon.map(s => s.toFixed(1)).join(' / ')} s; RSS ${vpn.rssMiB.map(m => m.toFixed(0)).join(' / ')} MiB`,
    ''
  ]
  process.stdout.write(lines.join('\n'))
  mkdirSync(RESULTS, { recursive: true })
  const file = join(RESULTS, `vpn-throughput-${new Date().toISOString().replace(/[:.]/g, '-')}.json`)
  writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), seconds, raw, edgevpn: vpn }, null, 2))
  process.stdout.write(`results: ${file}\n`)
}

function fmt (ms: number): string {
  return ms.toFixed(2).padStart(6)
}

function progress (text: string): void {
  process.stderr.write(`[bench] ${text}\n`)
}

function splitArgs (text: string | undefined): string[] {
  return (text ?? '').split(' ').filter(arg => arg !== '')
}

function argValue (name: string): string | undefined {
  const i = process.argv.indexOf(name)
  return i === -1 ? undefined : process.argv[i + 1]
}

await main().catch((err: Error) => {
  process.stderr.write(`bench: ${err.message}\n`)
  process.exitCode = 1
})
