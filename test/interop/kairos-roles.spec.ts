/**
 * The Kairos agent's own code against our daemons. Each node is set up the way provider-kairos sets
 * one up: its SetupVPN writes the edgevpn@kairos unit and env file into the node's root, and the
 * daemon starts from exactly those (ExecStart `edgevpn`, the env file's variables and systemd's PATH,
 * nothing else: DHCP addresses, API on a unix socket). Then provider-kairos's role.Auto, run by
 * edgevpn's service.Node loop through edgevpn's Go API client (scripts/build-kairos-harness.sh builds
 * it), negotiates the roles over each node's socket, with master and worker stand-ins making the k3s
 * roles' ledger calls. Three meshes at once: all ours, one Go daemon beside two of ours, and all Go
 * as the reference; each must elect one leader, one master and two workers that read the master's
 * IP and node token, and `role list` and `get-kubeconfig` must answer alike.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createNetnsLab } from '@edgevpn/testbed/lab'
import { parseEnvironmentFile, parseUnit } from '@edgevpn/testbed/lab/systemd'
import { EDGEVPN_CLI, LabDaemon, waitFor } from '@edgevpn/testbed/lab/tools'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GO_EDGEVPN, goPeerUnavailableReason, goToken, KAIROS_HARNESS } from './lib/go-peer.js'
import type { LabHost, NetnsLab } from '@edgevpn/testbed/lab'


function harnessUnavailableReason (): string | undefined {
  if (!existsSync(KAIROS_HARNESS)) return `the Kairos role harness is not built (${KAIROS_HARNESS}): scripts/build-kairos-harness.sh builds it where Go and the provider-kairos v2.16.4 source are available`
  return goPeerUnavailableReason()
}

type Kind = 'go' | 'ours'
interface RoleEvent { event: 'master' | 'worker', uuid: string, ip: string, masterIP?: string, nodeToken?: string }

/** A mesh of three Kairos nodes, each daemon started from the files provider-kairos wrote. */
class KairosMesh {
  readonly name: string
  readonly kinds: Kind[]
  readonly events: RoleEvent[] = []
  readonly sockets: string[] = []
  readonly processes: LabDaemon[] = []
  lab?: NetnsLab
  logDir = ''

  constructor (name: string, kinds: Kind[]) {
    this.name = name
    this.kinds = kinds
  }

  async start (dir: string, token: string, subnet: string): Promise<void> {
    this.logDir = dir
    this.lab = await createNetnsLab({ prefix: `evtk${this.name}`, hosts: this.kinds.length, subnet })
    for (const [i, kind] of this.kinds.entries()) {
      const host = this.lab.hosts[i]
      const root = join(dir, `${this.name}-root-${i + 1}`)
      const socket = join(root, 'run', 'edgevpn-kairos.sock')
      this.sockets.push(socket)
      const { exec, env } = setUpNode(root, socket, token)
      expect(exec).toBe('edgevpn')
      this.processes.push(new LabDaemon(this.lab, host, {
        name: `${this.name}-${kind}-${i + 1}`,
        env,
        command: kind === 'go' ? [GO_EDGEVPN] : [process.execPath, EDGEVPN_CLI]
      }))
    }
    for (const socket of this.sockets) await waitFor(`the API socket ${socket}`, async () => existsSync(socket) ? true : undefined, 60_000)
    for (const [i, host] of this.lab.hosts.entries()) this.processes.push(this.agent(host, i))
  }

  /** provider-kairos's role loop for node `i`, in its namespace (it reads the edgevpn0 address). */
  private agent (host: LabHost, i: number): LabDaemon {
    return new LabDaemon(this.lab as NetnsLab, host, {
      name: `${this.name}-agent-${i + 1}`,
      env: { GOLOG_LOG_LEVEL: 'info' },
      // the harness's events go to stdout, the lines read here; its log to a file
      command: ['sh', '-c', `exec "$0" "$@" 1>&2 2>>${join(this.logDir, `${this.name}-agent-${i + 1}.log`)}`, KAIROS_HARNESS, 'roles', '--api', `unix://${this.sockets[i]}`, '--uuid', `${this.name}-node-${i + 1}`, '--min-nodes', '3'],
      onLine: line => {
        if (line.includes('"event":')) this.events.push(JSON.parse(line) as RoleEvent)
      }
    })
  }

  async stop (): Promise<void> {
    await Promise.all(this.processes.map(async process => { await process.stop() }))
    await this.lab?.destroy()
  }
}

/**
 * Runs provider-kairos's SetupVPN into `root` (a fake systemctl stands in for systemd's reload, and
 * a private /etc/systemd keeps its host-side mkdir off this machine), then reads back what it wrote.
 */
function setUpNode (root: string, socket: string, token: string): { exec: string, env: Record<string, string> } {
  for (const folder of ['etc/systemd/system', 'etc/systemd/system.conf.d', 'run', 'bin', 'lease']) mkdirSync(join(root, folder), { recursive: true })
  writeFileSync(join(root, 'bin', 'systemctl'), '#!/bin/sh\nexit 0\n', { mode: 0o755 })
  const run = spawnSync('unshare', ['--mount', 'sh', '-c', 'mount -t tmpfs evtk /etc/systemd && exec "$@"', 'sh',
    KAIROS_HARNESS, 'setup-vpn', '--root', root, '--api', `unix://${socket}`, '--token', token, '--env', `DHCPLEASEDIR=${join(root, 'lease')}`], {
    encoding: 'utf8', env: { PATH: `${join(root, 'bin')}:${process.env.PATH ?? ''}` }
  })
  if (run.status !== 0) throw new Error(`provider-kairos SetupVPN failed: ${run.stderr}`)
  const unit = parseUnit(readFileSync(join(root, 'etc/systemd/system/edgevpn@.service'), 'utf8'))
  const envFile = (unit.get('Service.EnvironmentFile')?.[0] ?? '').replace('%i', 'kairos')
  return {
    exec: unit.get('Service.ExecStart')?.[0] ?? '',
    env: parseEnvironmentFile(readFileSync(join(root, envFile), 'utf8'))
  }
}

/** `role list` output as (role, ip) pairs sorted, and each row's node. */
function rolesOf (table: string): Array<{ node: string, role: string, ip: string }> {
  return table.trim().split('\n').slice(1).map(line => {
    const [node, role, ip] = line.trim().split(/\s+/)
    return { node, role, ip }
  }).sort((a, b) => a.node.localeCompare(b.node))
}

describe.skipIf(harnessUnavailableReason() !== undefined)('provider-kairos role negotiation on our daemons, started from the files Kairos writes', () => {
  let dir: string
  const meshes = [new KairosMesh('o', ['ours', 'ours', 'ours']), new KairosMesh('m', ['go', 'ours', 'ours']), new KairosMesh('g', ['go', 'go', 'go'])]

  beforeAll(async () => {
    console.log(`Kairos harness: ${readFileSync(join(KAIROS_HARNESS, '..', 'BUILD-INFO'), 'utf8').trim()}`)
    dir = mkdtempSync(join(tmpdir(), 'evt-kairos-'))
    const token = goToken()
    await Promise.all(meshes.map(async (mesh, i) => { await mesh.start(dir, token, `10.254.8${i}`) }))
  }, 120_000)

  afterAll(async () => {
    await Promise.all(meshes.map(async mesh => { await mesh.stop() }))
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
  })

  it('writes the unit and env file the daemon starts from', () => {
    const { exec, env } = setUpNode(join(dir, 'inspect'), join(dir, 'inspect', 'k.sock'), 'TOKEN')
    expect(exec).toBe('edgevpn')
    expect(env).toMatchObject({ API: 'true', DHCP: 'true', EDGEVPNTOKEN: 'TOKEN', APILISTENUNIXMODE: '600' })
  })

  it.for(meshes.map(mesh => [mesh.kinds.join(' + '), mesh] as const))('%s: one master, two workers that read its IP and node token', { timeout: 300_000 }, async ([, mesh]) => {
    const started = Date.now()
    await waitFor(`a master and two joined workers (events so far: ${JSON.stringify(mesh.events)})`, async () => {
      const masters = mesh.events.filter(e => e.event === 'master')
      const workers = mesh.events.filter(e => e.event === 'worker')
      return masters.length >= 1 && workers.length >= 2 ? true : undefined
    }, 280_000, 1_000)
    console.log(`${mesh.kinds.join(' + ')}: roles settled ${((Date.now() - started) / 1000).toFixed(0)} s into the test`)
    const masters = mesh.events.filter(e => e.event === 'master')
    const workers = mesh.events.filter(e => e.event === 'worker')
    expect(masters).toHaveLength(1)
    expect(new Set(workers.map(w => w.uuid)).size).toBe(2)
    for (const w of workers) expect(w).toMatchObject({ masterIP: masters[0].ip, nodeToken: 'K10evtharness::server:node-token' })
  })

  it.for(meshes.map(mesh => [mesh.kinds.join(' + '), mesh] as const))('%s: role list and get-kubeconfig answer alike on every node', { timeout: 90_000 }, async ([, mesh]) => {
    const master = mesh.events.find(e => e.event === 'master') as RoleEvent
    const roleList = (socket: string): string => execFileSync(KAIROS_HARNESS, ['role-list', '--api', `unix://${socket}`], { encoding: 'utf8' })
    // every node's ledger copy catches up with the last role and IP writes
    const complete = (table: string): boolean => {
      const rows = rolesOf(table)
      return rows.length === 3 && rows.every(row => row.role !== undefined && /^10\.1\.0\.\d+$/.test(row.ip ?? ''))
    }
    const tables = await waitFor('a complete role list on every node', async () => {
      const now = mesh.sockets.map(roleList)
      return now.every(complete) ? now : undefined
    }, 60_000, 1_000).catch(() => mesh.sockets.map(roleList))
    for (const table of tables) {
      const rows = rolesOf(table)
      expect(rows.map(row => row.role).sort(), table).toEqual(['master', 'worker', 'worker'])
      expect(rows.find(row => row.role === 'master')?.ip, table).toBe(master.ip)
      expect(complete(table), table).toBe(true)
      expect(rows).toEqual(rolesOf(tables[0]))
    }
    for (const socket of mesh.sockets) {
      expect(execFileSync(KAIROS_HARNESS, ['get-kubeconfig', '--api', `unix://${socket}`], { encoding: 'utf8' })).toContain(`server: https://${master.ip}:6443`)
    }
  })
})
