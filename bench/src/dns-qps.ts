/**
 * DNS benchmark: queries per second for mesh machine names, answered by our server and, in the
 * same run, by dnsmasq serving the same names from a hosts file. Both run on loopback in their
 * own process; dnsperf (from Debian) generates the load against each in turn.
 *
 *   npm run build && node bench/dist/dns-qps.js [--seconds 8] [--machines 100]
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createDnsServer } from '@edgevpn/dns'
import { Ledger } from '@edgevpn/ledger'
import { ensureCommands } from './lib/debian.js'
import { checkFlags, flagValue, readFlagsOrExit } from './lib/flags.js'
import type { ChildProcess } from 'node:child_process'

const { seconds, machines } = readFlagsOrExit('dns', () => {
  checkFlags(process.argv.slice(2), ['--seconds', '--machines'], ['--serve'], '--seconds N, --machines N')
  return { seconds: Number(flagValue(process.argv, '--seconds') ?? 8), machines: Number(flagValue(process.argv, '--machines') ?? 100) }
})
const address = (i: number): string => `10.1.${Math.floor(i / 250)}.${(i % 250) + 1}`
const hostname = (i: number): string => `node-${i}`

/** Child mode: our server with `machines` machines in its ledger; prints its port. */
async function serve (): Promise<void> {
  const ledger = new Ledger()
  for (let i = 0; i < machines; i++) {
    await ledger.put('machines', address(i), { PeerID: `peer-${i}`, Hostname: hostname(i), OS: 'linux', Arch: 'amd64', Address: address(i), Version: '' })
  }
  const server = createDnsServer({ ledger, listen: '127.0.0.1:0', forward: false })
  await server.start()
  process.stdout.write(`${server.address.port}\n`)
  process.on('SIGTERM', () => { void server.stop().then(() => process.exit(0)) })
}

async function main (): Promise<void> {
  const missing = ensureCommands({ dnsperf: 'dnsperf', dnsmasq: 'dnsmasq-base' })
  if (missing.length > 0) throw new Error(`cannot run without ${missing.join(', ')}`)
  const work = mkdtempSync(join(tmpdir(), 'evb-dns-'))
  const children: ChildProcess[] = []
  try {
    const queries = join(work, 'queries.txt')
    writeFileSync(queries, Array.from({ length: machines }, (_, i) => `${hostname(i)}.edgevpn A\n`).join(''))
    const hosts = join(work, 'hosts')
    writeFileSync(hosts, Array.from({ length: machines }, (_, i) => `${address(i)} ${hostname(i)}.edgevpn\n`).join(''))

    const ours = spawn(process.execPath, [fileURLToPath(import.meta.url), '--serve', '--machines', String(machines)], { stdio: ['ignore', 'pipe', 'inherit'] })
    children.push(ours)
    const ourPort = Number(await firstLine(ours))

    const dnsmasqPort = ourPort === 53535 ? 53536 : 53535
    const dnsmasq = spawn('dnsmasq', [
      '--keep-in-foreground', '--conf-file=/dev/null', '--no-resolv', '--no-hosts', `--addn-hosts=${hosts}`,
      '--listen-address=127.0.0.1', '--bind-interfaces', `--port=${dnsmasqPort}`, '--pid-file=', '--user=root', '--cache-size=1000'
    ], { stdio: 'inherit' })
    children.push(dnsmasq)
    await new Promise(resolve => setTimeout(resolve, 500))

    const results: Array<[string, PerfResult]> = []
    for (const [name, port] of [['edgevpn-ts', ourPort], ['dnsmasq', dnsmasqPort]] as const) {
      process.stderr.write(`measuring ${name} for ${seconds} s\n`)
      results.push([name, await dnsperf(port, queries)])
    }
    console.log('server       queries/s   lost    avg latency')
    for (const [name, r] of results) {
      console.log(`${name.padEnd(12)} ${r.qps.toFixed(0).padStart(9)}   ${String(r.lost).padStart(5)}   ${(r.avgLatencySeconds * 1000).toFixed(3)} ms`)
    }
    const [ourResult, reference] = results.map(([, r]) => r) as [PerfResult, PerfResult]
    console.log(`ratio edgevpn-ts / dnsmasq: ${(ourResult.qps / reference.qps).toFixed(2)}`)
  } finally {
    for (const child of children) child.kill('SIGTERM')
    rmSync(work, { recursive: true, force: true })
  }
}

interface PerfResult {
  qps: number
  lost: number
  avgLatencySeconds: number
}

async function dnsperf (port: number, queries: string): Promise<PerfResult> {
  const child = spawn('dnsperf', ['-s', '127.0.0.1', '-p', String(port), '-d', queries, '-l', String(seconds), '-c', '4', '-q', '200'], { stdio: ['ignore', 'pipe', 'inherit'] })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString() })
  await new Promise(resolve => child.once('close', resolve))
  const number = (pattern: RegExp): number => {
    const match = pattern.exec(output)
    if (match === null) throw new Error(`unexpected dnsperf output:\n${output}`)
    return Number(match[1])
  }
  return {
    qps: number(/Queries per second:\s+([\d.]+)/),
    lost: number(/Queries lost:\s+(\d+)/),
    avgLatencySeconds: number(/Average Latency \(s\):\s+([\d.]+)/)
  }
}

async function firstLine (child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = ''
    child.stdout?.on('data', (chunk: Buffer) => {
      text += chunk.toString()
      if (text.includes('\n')) resolve(text.split('\n')[0] as string)
    })
    child.once('exit', (code) => { reject(new Error(`server exited with ${code}`)) })
  })
}

const run = process.argv.includes('--serve') ? serve : main
run().catch((err: unknown) => {
  console.error((err as Error).message)
  process.exit(1)
})
