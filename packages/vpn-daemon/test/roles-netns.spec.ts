/**
 * The Kairos role flow end to end: three real `edgevpn` daemons in network namespaces (static
 * VPN addresses, mDNS discovery, API on each namespace's 127.0.0.1:8080) and one role agent
 * per host talking to its own daemon, with a stand-in k3s that records its arguments. Checks
 * that one master and two workers form within 60 s, and that a worker whose daemon is killed
 * and restarted (identity kept by `--privkey-cache`) comes back as the same worker.
 *
 * Spawned processes run the BUILT packages: `npx tsc -b` first. The agents are
 * `edgevpn role-agent` processes.
 */
import { execFile } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { promisify } from 'node:util'
import { encodeToken, generateNetworkConfig } from '@edgevpn/mesh-core'
import { tunUnavailableReason } from '@edgevpn/tun'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EDGEVPN_CLI, LabDaemon, labApiRequest, waitFor, createNetnsLab, netnsUnavailableReason, stopProcess } from '@edgevpn/testbed'
import { standInFiles, writeStandInK3s } from './roles-helpers.js'
import type { StandInFiles } from './roles-helpers.js'
import type { LabHost, NetnsLab } from '@edgevpn/testbed'
import type { ChildProcess } from 'node:child_process'

const run = promisify(execFile)
const skipReason = netnsUnavailableReason() ?? tunUnavailableReason()


interface Host {
  name: string
  lab: LabHost
  vpnAddress: string
  dir: string
  k3s: StandInFiles
  daemon?: LabDaemon
  agent?: Agent
}

/** A role agent process and the log messages it wrote. */
interface Agent {
  child: ChildProcess
  messages: string[]
}

let lab: NetnsLab | undefined
let root = ''
let token = ''
let standIn = ''
const hosts: Host[] = []

function startDaemon (host: Host): void {
  host.daemon = new LabDaemon(lab as NetnsLab, host.lab, {
    name: host.name,
    hostname: host.name,
    args: ['--token', token,
      '--address', `${host.vpnAddress}/24`,
      '--listen-maddrs', `/ip4/${host.lab.address}/tcp/0`,
      '--dht=false',
      '--api', '--api-listen', '127.0.0.1:8080',
      '--aliveness-healthcheck-interval', '2',
      '--ledger-announce-interval', '2',
      '--privkey-cache', '--privkey-cache-dir', join(host.dir, 'identity'),
      '--log-level', 'info']
  })
}

function startAgent (host: Host): void {
  const child = (lab as NetnsLab).spawn(host.lab, process.execPath, [EDGEVPN_CLI, 'role-agent',
    '--api-address', 'http://127.0.0.1:8080',
    '--state-dir', join(host.dir, 'state'),
    '--poll-interval', '2s',
    '--k3s-bin', standIn,
    '--k3s-token-file', host.k3s.tokenFile,
    '--k3s-kubeconfig', host.k3s.kubeconfig,
    '--log-level', 'info'], { env: host.k3s.env(host.name), stdio: ['ignore', 'ignore', 'pipe'] })
  const agent: Agent = { child, messages: [] }
  createInterface({ input: child.stderr! }).on('line', line => {
    try {
      agent.messages.push(String((JSON.parse(line) as { message: unknown }).message))
    } catch {
      agent.messages.push(line)
    }
  })
  host.agent = agent
}

/** Kills the daemon process of a host outright (no shutdown): the `edgevpn` process in its namespace. */
async function killDaemon (host: Host): Promise<void> {
  const { stdout } = await run('ip', ['netns', 'pids', host.lab.netns])
  for (const pid of stdout.split('\n').filter(Boolean)) {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')
    if (cmdline.split('\0').includes(EDGEVPN_CLI)) process.kill(Number(pid), 'SIGKILL')
  }
  expect(await host.daemon?.exited).toBeNull()
}

/** The `kairos` bucket as a host's daemon serves it, with `Put`-written values decoded. */
async function kairosBucket (host: Host): Promise<Record<string, string>> {
  const response = await labApiRequest(lab as NetnsLab, host.lab, 'GET', '/api/ledger/kairos')
  if (response.status !== 200) return {}
  const stored = (JSON.parse(response.body) ?? {}) as Record<string, string>
  return Object.fromEntries(Object.entries(stored).map(([key, text]) =>
    [key, JSON.parse(Buffer.from(JSON.parse(text) as string, 'base64url').toString('utf8')) as string]))
}

function describeState (): string {
  return hosts.map(h => `${h.name}: calls ${JSON.stringify(h.k3s.calls())}; last messages ${JSON.stringify(h.agent?.messages.slice(-4))}`).join('\n')
}

/** The hosts whose stand-in k3s ran as server, and those that ran as agent. */
function k3sRuns (): { masters: Host[], workers: Host[] } {
  return {
    masters: hosts.filter(h => h.k3s.calls().some(call => call[0] === 'server')),
    workers: hosts.filter(h => h.k3s.calls().some(call => call[0] === 'agent'))
  }
}

describe.skipIf(skipReason !== undefined)('k3s roles over real daemons in network namespaces', () => {
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'evt-erole-'))
    standIn = writeStandInK3s(root)
    token = encodeToken(generateNetworkConfig({ interval: 360n }))
    lab = await createNetnsLab({ prefix: 'evtrole', hosts: 3, subnet: '10.254.83' })
    for (const [i, labHost] of lab.hosts.entries()) {
      const dir = join(root, `host-${i + 1}`)
      mkdirSync(dir, { recursive: true })
      hosts.push({ name: `evtrole-${i + 1}`, lab: labHost, vpnAddress: `10.1.0.${i + 1}`, dir, k3s: standInFiles(dir) })
    }
    for (const host of hosts) startDaemon(host)
    await Promise.all(hosts.map(async host => await host.daemon?.waitForLog(record => record.message === 'API listening', 30_000)))
  }, 60_000)

  afterAll(async () => {
    await lab?.destroy()
    if (root !== '') rmSync(root, { recursive: true, force: true })
  })

  it('forms one master and two workers within 60 s', async () => {
    for (const host of hosts) startAgent(host)
    await waitFor('one master and two workers', async () => {
      const { masters, workers } = k3sRuns()
      return masters.length === 1 && workers.length === 2 ? true : undefined
    }, 60_000, 500).catch((err: Error) => { throw new Error(`${err.message}\n${describeState()}`) })

    const { masters: [master], workers } = k3sRuns()
    const masterToken = readFileSync(master.k3s.tokenFile, 'utf8').trimEnd()
    expect(masterToken).toBe(`K10${master.name}::server:stand-in`)
    expect(master.k3s.calls()).toEqual([['server', '--node-ip', master.vpnAddress, '--flannel-iface', 'edgevpn0']])
    for (const worker of workers) {
      expect(worker.k3s.calls()).toEqual([['agent', '--server', `https://${master.vpnAddress}:6443`, '--token', masterToken, '--node-ip', worker.vpnAddress, '--flannel-iface', 'edgevpn0']])
    }

    // every daemon's ledger agrees: one master, the others workers, and the master's join data
    const uuids = new Map(hosts.map(h => [h, readFileSync(join(h.dir, 'state', 'uuid'), 'utf8').trim()]))
    for (const host of hosts) {
      await waitFor(`${host.name}'s ledger to hold every role`, async () => {
        const bucket = await kairosBucket(host)
        const roles = hosts.map(h => bucket[`${uuids.get(h)}-role`])
        return roles.filter(r => r === 'master').length === 1 && roles.filter(r => r === 'worker').length === 2 &&
          bucket[`${uuids.get(master)}-role`] === 'master' && bucket['ip-master'] === master.vpnAddress && bucket['token-nodetoken'] === masterToken
          ? true
          : undefined
      }, 20_000, 500)
    }
  }, 90_000)

  it('keeps the roles when a worker\'s daemon is killed and restarted', async () => {
    const { masters: [master], workers: [worker] } = k3sRuns()
    const agentArgs = worker.k3s.calls()[0]
    await killDaemon(worker)
    await stopProcess((worker.agent as Agent).child)
    // identity and role state survive on disk; the ledger comes back from the other nodes
    startDaemon(worker)
    await worker.daemon?.waitForLog(record => record.message === 'API listening', 30_000)
    startAgent(worker)

    const applied = await waitFor('the restarted worker to apply its role again', async () =>
      (worker.agent as Agent).messages.find(m => m.startsWith('worker: done:')), 60_000, 500)
      .catch((err: Error) => { throw new Error(`${err.message}\n${describeState()}`) })
    console.log(`restarted worker ${worker.name}: ${applied}`)
    expect(applied).toMatch(new RegExp(`^worker: done: k3s agent (already applied|started), joined to https://${master.vpnAddress.replaceAll('.', '\\.')}:6443$`))
    // still one master, the same one; the worker ran (at most again) the same agent command
    const { masters, workers } = k3sRuns()
    expect(masters).toEqual([master])
    expect(workers).toHaveLength(2)
    expect(master.k3s.calls()).toHaveLength(1)
    expect(new Set(worker.k3s.calls().map(call => call.join(' ')))).toEqual(new Set([agentArgs.join(' ')]))
    const bucket = await kairosBucket(worker)
    expect(bucket[`${readFileSync(join(worker.dir, 'state', 'uuid'), 'utf8').trim()}-role`]).toBe('worker')
    expect(readdirSync(join(worker.dir, 'state'))).toEqual(expect.arrayContaining(['uuid', 'k3s.json']))
  }, 120_000)
})
