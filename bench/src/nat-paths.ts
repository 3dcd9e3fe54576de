/**
 * NAT paths benchmark: the VPN between two hosts on each path a mesh can take, in one run —
 *
 * - `direct`: both hosts on one bridge, no NAT
 * - `relayed`: each host behind its own port-restricted NAT, hole punching off, so traffic goes
 *   through the public relay
 * - `hole-punched`: the same NATs with hole punching on, measured once the path is direct
 *
 * For each: iperf3 TCP (1 stream), ping idle, and the time from starting the daemons to the
 * first ping (and, hole-punched, to the direct path). JSON goes to bench/results/.
 *
 *   npm run build && node bench/dist/nat-paths.js [--seconds 10]
 *
 * `EDGEVPN_BENCH_LOGS=1` prints the daemons' logs to stderr.
 */
import { encodeToken, generateNetworkConfig } from '@edgevpn/mesh-core'
import { createNatLab, createNetnsLab, netnsUnavailableReason } from '@edgevpn/testbed/lab'
import { LabDaemon, labApiRequest, waitFor } from '@edgevpn/testbed/lab/tools'
import { ensureCommands } from './lib/debian.js'
import { iperf, pingStats, sleep, waitForFirstPing } from './lib/measure.js'
import { checkFlags, flagValue, readFlagsOrExit } from './lib/flags.js'
import { writeResult } from './lib/results-dir.js'
import type { IperfResult, PingStats } from './lib/measure.js'
import type { LabHost, NetnsLab } from '@edgevpn/testbed/lab'

type PathName = 'direct' | 'relayed' | 'hole-punched'

interface NatPathResult {
  path: PathName
  /** From starting the daemons of the two hosts to the first ping answered over the VPN. */
  firstPingMs: number
  /** From starting the daemons to `/api/peers` showing the hole-punched path. */
  directPathMs?: number
  /** What the sender's `/api/peers` said about the receiver when the measurement began. */
  peerPath: string
  pingIdle: PingStats
  tcp1: IperfResult
}

const VPN_A = '10.79.0.2'
const VPN_B = '10.79.0.3'
const seconds = readFlagsOrExit('nat-paths', () => {
  checkFlags(process.argv.slice(2), ['--seconds'], [], '--seconds N')
  return Number(flagValue(process.argv, '--seconds') ?? 10)
})

async function main (): Promise<void> {
  const reason = netnsUnavailableReason()
  if (reason !== undefined) throw new Error(`cannot run: ${reason}`)
  const missing = ensureCommands({ iperf3: 'iperf3', ping: 'iputils-ping' })
  if (missing.length > 0) throw new Error(`cannot run without ${missing.join(', ')}`)

  const results: NatPathResult[] = [await directPath(), await natPath('relayed'), await natPath('hole-punched')]
  const file = writeResult('nat-paths', new Date(), 'json', JSON.stringify({ seconds, results }, null, 2) + '\n')
  for (const result of results) {
    console.log(`${result.path.padEnd(13)} first ping ${(result.firstPingMs / 1000).toFixed(1)} s` +
      `${result.directPathMs === undefined ? '' : `, direct after ${(result.directPathMs / 1000).toFixed(1)} s`}, ` +
      `ping p50 ${result.pingIdle.p50} ms, iperf3 ${result.tcp1.mbitPerSecond.toFixed(0)} Mbit/s (${result.peerPath})`)
  }
  console.log(`written to ${file}`)
}

/** Two hosts on one bridge that find each other with mDNS. */
async function directPath (): Promise<NatPathResult> {
  const lab = await createNetnsLab({ prefix: 'evt-nd', hosts: 2, subnet: '10.254.97' })
  try {
    const [a, b] = lab.hosts
    const token = encodeToken(generateNetworkConfig({ interval: 360n }))
    const started = Date.now()
    startDaemon(lab, a, token, VPN_A, [`--listen-maddrs=/ip4/${a.address}/tcp/0`])
    startDaemon(lab, b, token, VPN_B, [`--listen-maddrs=/ip4/${b.address}/tcp/0`])
    return await measure(lab, a, b, 'direct', started)
  } finally {
    await lab.destroy()
  }
}

/** A relay on the public host and the two hosts behind port-restricted NATs. */
async function natPath (path: 'relayed' | 'hole-punched'): Promise<NatPathResult> {
  const lab = await createNatLab({ prefix: 'evt-nb', mapping: 'port-restricted' })
  try {
    const token = encodeToken(generateNetworkConfig({ interval: 360n }))
    const relay = startDaemon(lab, lab.public, token, '10.79.0.1', [`--listen-maddrs=/ip4/${lab.public.address}/tcp/4001`, '--relay-service-acl-refresh=2s', '--mdns=false'])
    const relayId = String((await relay.waitForLog(record => record.message === 'node started', 60_000)).peerId)
    const relayAddress = `/ip4/${lab.public.address}/tcp/4001/p2p/${relayId}`
    const natted = ['--listen-maddrs=/ip4/0.0.0.0/tcp/0', '--mdns=false', `--discovery-bootstrap-peers=${relayAddress}`,
      `--autorelay-static-peer=${relayAddress}`, '--autorelay-static-only', `--holepunch=${String(path === 'hole-punched')}`]
    const [a, b] = lab.natted
    const started = Date.now()
    startDaemon(lab, a, token, VPN_A, natted)
    const receiver = startDaemon(lab, b, token, VPN_B, natted)
    const receiverId = String((await receiver.waitForLog(record => record.message === 'node started', 60_000)).peerId)
    let directPathMs: number | undefined
    if (path === 'hole-punched') {
      await waitForFirstPing(lab, a, VPN_B, 180_000)
      await waitFor('the hole-punched path', async () => (await peerPath(lab, a, receiverId)) === 'direct: hole-punched' ? true : undefined, 180_000)
      directPathMs = Date.now() - started
    }
    return { ...await measure(lab, a, b, path, started, receiverId), directPathMs }
  } finally {
    await lab.destroy()
  }
}

async function measure (lab: NetnsLab, a: LabHost, b: LabHost, path: PathName, started: number, receiverId?: string): Promise<NatPathResult> {
  await waitForFirstPing(lab, a, VPN_B, 180_000)
  const firstPingMs = Date.now() - started
  const reported = receiverId === undefined ? 'direct' : await peerPath(lab, a, receiverId) ?? 'unknown'
  lab.spawn(b, 'iperf3', ['-s', '-B', VPN_B])
  await sleep(500)
  const pingIdle = await pingStats(lab, a, VPN_B, 100, 0.02)
  const tcp1 = await iperf(lab, a, VPN_B, seconds)
  return { path, firstPingMs, peerPath: reported, pingIdle, tcp1 }
}

function startDaemon (lab: NetnsLab, host: LabHost, token: string, vpnAddress: string, args: string[]): LabDaemon {
  return new LabDaemon(lab, host, {
    name: host.netns,
    // EDGEVPN_BENCH_LOGS=1 prints the daemons' logs
    onLine: process.env.EDGEVPN_BENCH_LOGS === '1' ? line => { console.error(`[${host.netns}] ${line}`) } : undefined,
    args: ['--token', token, '--address', `${vpnAddress}/24`, '--log-level', 'info', '--api', '--api-listen', '127.0.0.1:8080',
      '--discovery-interval', '5', ...args]
  })
}

/** The `path` a host's `/api/peers` shows for `peer`. */
async function peerPath (lab: NetnsLab, host: LabHost, peer: string): Promise<string | undefined> {
  const response = await labApiRequest(lab, host, 'GET', '/api/peers')
  if (response.status !== 200) return undefined
  return (JSON.parse(response.body) as Array<{ id: string, path: string }>).find(entry => entry.id === peer)?.path
}

await main()
