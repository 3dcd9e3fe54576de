/**
 * `npm run demo`: a mesh of edgevpn daemons in network namespaces on this machine. It starts
 * one daemon per host (each with its own host name, TUN device, API and DNS server), waits
 * until every pair pings over the VPN, writes to the ledger through one node's API and reads
 * it on another, resolves machine names and a posted record through DNS, prints what it saw,
 * and removes everything. `--keep` leaves the mesh running until Ctrl-C.
 *
 *   npm run demo [-- --nodes 3] [-- --keep]
 */
import { encodeToken, generateNetworkConfig, networkFingerprint } from '@edgevpn/mesh-core'
import { tunUnavailableReason } from '@edgevpn/tun'
import { LabDaemon, labApiRequest, pingUntilUp, waitFor } from '../lab/lab-tools.js'
import { createNetnsLab, netnsUnavailableReason } from '../lab/netns-lab.js'
import type { LabHost, NetnsLab } from '../lab/netns-lab.js'

interface DemoNode {
  host: LabHost
  name: string
  vpnAddress: string
}

const nodeCount = Number(argValue('--nodes') ?? 3)
const keep = process.argv.includes('--keep')

async function main (): Promise<number> {
  const reason = netnsUnavailableReason() ?? tunUnavailableReason()
  if (reason !== undefined) {
    say(`the demo needs network namespaces and TUN devices, but ${reason}; run it as root`)
    return 1
  }
  if (!Number.isInteger(nodeCount) || nodeCount < 2 || nodeCount > 20) {
    say('--nodes must be between 2 and 20')
    return 1
  }
  const config = generateNetworkConfig({ interval: 360n })
  const token = encodeToken(config)
  say(`network ${networkFingerprint(config)}: ${nodeCount} hosts in network namespaces edemo-1..${nodeCount} on one bridge`)

  const lab = await createNetnsLab({ prefix: 'edemo', hosts: nodeCount, subnet: '10.254.77' })
  const stopLab = async (): Promise<void> => { await lab.destroy() }
  process.once('SIGINT', () => { void stopLab().then(() => process.exit(130)) })
  try {
    const nodes = lab.hosts.map((host, i) => ({ host, name: `demo-${i + 1}`, vpnAddress: `10.1.0.${i + 1}` }))
    const started = Date.now()
    for (const node of nodes) startDaemon(lab, node, token)

    await step('every pair pings over the VPN', async () => {
      const rows: string[] = []
      for (const from of nodes) {
        const cells: string[] = []
        for (const to of nodes) cells.push(from === to ? '   -   ' : `${(await pingUntilUp(lab, from.host, to.vpnAddress, 60_000)).toFixed(2).padStart(5)}ms`)
        rows.push(`  ${from.name}  ${cells.join('  ')}`)
      }
      return `first pings ${((Date.now() - started) / 1000).toFixed(1)} s after start; round trips:\n       from \\ to ${nodes.map(n => n.name.padStart(7)).join('  ')}\n${rows.join('\n')}`
    })

    const [first, second] = [nodes[0], nodes[nodes.length - 1]]
    await step(`a ledger write on ${first.name} is read on ${second.name}`, async () => {
      await api(lab, first, 'PUT', '/api/ledger/demo/greeting/hello-from-' + first.name)
      const t0 = Date.now()
      const value = await waitFor(`the ledger value on ${second.name}`, async () => {
        const text = await api(lab, second, 'GET', '/api/ledger/demo/greeting')
        return text.includes('hello') ? text.trim() : undefined
      }, 15_000)
      return `${second.name} reads ${value} after ${Date.now() - t0} ms`
    })

    await step('DNS answers machine names and posted records', async () => {
      const machine = await waitFor(`${second.name}.edgevpn. on ${first.name}`, async () => await resolve(lab, first, `${second.name}.edgevpn.`), 15_000)
      await api(lab, first, 'POST', '/api/dns', JSON.stringify({ Regex: 'web\\.demo\\.', Records: { A: second.vpnAddress } }))
      const record = await waitFor(`web.demo. on ${second.name}`, async () => await resolve(lab, second, 'web.demo.'), 15_000)
      return `${first.name} resolves ${second.name}.edgevpn. → ${machine}; ${second.name} resolves web.demo. → ${record}`
    })

    const machines = JSON.parse(await api(lab, first, 'GET', '/api/machines')) as Array<{ Hostname: string, Address: string, Online: boolean }>
    say(`machines seen by ${first.name}: ${machines.map(m => `${m.Hostname}=${m.Address}${m.Online ? '' : ' (offline)'}`).join(', ')}`)
    if (keep) {
      say(`the mesh keeps running; try: ip netns exec ${first.host.netns} ping ${second.vpnAddress}   (Ctrl-C stops it)`)
      await new Promise(() => {})
    }
    say('demo finished; removing the namespaces')
    return 0
  } finally {
    await stopLab()
  }
}

function startDaemon (lab: NetnsLab, node: DemoNode, token: string): void {
  const daemon = new LabDaemon(lab, node.host, {
    name: node.name,
    hostname: node.name,
    args: ['--token', token,
      '--address', `${node.vpnAddress}/24`,
      '--listen-maddrs', `/ip4/${node.host.address}/tcp/0`,
      '--dht=false',
      '--api', '--api-listen', '127.0.0.1:8080',
      '--dns', '127.0.0.1:53', '--dns-forwarder=false',
      '--log-level', 'warn'],
    onLine: line => { say(`${node.name}: ${line}`) }
  })
  void daemon.exited.then(code => { if (code !== null && code !== 0) say(`${node.name}: daemon exited with status ${code}`) })
}

async function api (lab: NetnsLab, node: DemoNode, method: string, path: string, body?: string): Promise<string> {
  return (await labApiRequest(lab, node.host, method, path, body)).body
}

async function resolve (lab: NetnsLab, node: DemoNode, name: string): Promise<string | undefined> {
  const script = `import { Resolver } from 'node:dns/promises'; const r = new Resolver({ timeout: 1000, tries: 1 }); r.setServers(['127.0.0.1']); process.stdout.write((await r.resolve4(process.argv[1]).catch(() => [])).join(','))`
  const out = await lab.exec(node.host, process.execPath, ['--input-type=module', '-e', script, name])
  return out === '' ? undefined : out
}

async function step (title: string, body: () => Promise<string>): Promise<void> {
  say(`… ${title}`)
  say(`✓ ${await body()}`)
}

function say (text: string): void {
  process.stdout.write(`[demo] ${text}\n`)
}

function argValue (name: string): string | undefined {
  const i = process.argv.indexOf(name)
  return i === -1 ? undefined : process.argv[i + 1]
}

process.exitCode = await main().catch((err: Error) => {
  say(`failed: ${err.message}`)
  return 1
})
