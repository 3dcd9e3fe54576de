import { afterEach, describe, expect, it } from 'vitest'
import { createServiceClient } from '@edgevpn/api-client'
import { ASSIGNMENT, KUBECONFIG_KEY, LEADER_KEY, MASTER_IP_KEY, NODE_TOKEN_KEY, readKey, writeKey } from '@edgevpn/kairos-agent'
import { startRoleCluster, tickUntil } from './roles-helpers.js'
import type { RoleCluster, RoleHost } from './roles-helpers.js'
import type { RoleNodeStatus } from '@edgevpn/kairos-agent'

const MINUTE = 60_000

let cluster: RoleCluster | undefined

afterEach(async () => {
  await cluster?.stop()
  cluster = undefined
})

function service (host: RoleHost): ReturnType<typeof createServiceClient> {
  return createServiceClient({ client: host.client, clock: () => cluster!.clock.now })
}

async function roleOf (host: RoleHost, uuid: string = host.uuid): Promise<string | undefined> {
  return await readKey(service(host), { thing: 'role', uuid })
}

function report (status: RoleNodeStatus, role: string): string {
  const found = status.reports.find(r => r.role === role)
  return found === undefined ? 'none' : `${found.state}: ${found.message}`
}

/** Roles of every host as the ledger holds them, by host name. */
async function roles (c: RoleCluster): Promise<Record<string, string | undefined>> {
  return Object.fromEntries(await Promise.all(c.hosts.map(async h => [h.name, await roleOf(c.hosts[0], h.uuid)])))
}

/** Whether each host's role node reports its assigned role applied. */
function allApplied (c: RoleCluster, hosts: RoleHost[] = c.hosts): boolean {
  return hosts.every(h => {
    const status = h.roles.status()
    return status !== undefined && status.reports.length >= 2 && status.reports.every(r => r.state === 'done')
  })
}

describe('role node with the k3s roles, over a real API and ledger', () => {
  it('says what a lone node waits for', async () => {
    cluster = await startRoleCluster(2)
    const [lone] = cluster.hosts
    await cluster.beat([lone])
    const status = await lone.roles.tick()
    expect(status.error).toBeUndefined()
    expect(report(status, 'auto')).toMatch(/^waiting: 1 of 2 nodes advertizing: \[uuid-host-1\]$/)
    // the other host has a heartbeat from the cluster's start, so two are active: no role yet
    expect(report(status, ASSIGNMENT)).toMatch(/^waiting: no role assigned to uuid-host-1 yet \(leader: none announced\)$/)
  })

  it('counts active nodes before applying an assigned role', async () => {
    cluster = await startRoleCluster(2, { minNodes: 3 })
    const status = await cluster.hosts[0].roles.tick()
    expect(report(status, ASSIGNMENT)).toMatch(/^waiting: 2 of 3 nodes active \(healthcheck heartbeats\): \[/)
  })

  it('forms a cluster: one leader and master, workers join it with its address and token', async () => {
    cluster = await startRoleCluster(3)
    const c = cluster
    const [h1, h2, h3] = c.hosts
    await tickUntil(c, () => allApplied(c))

    // uuid-host-1 has the largest FNV-1a hash: it leads and, all being unassigned, is master
    expect(await roles(c)).toEqual({ 'host-1': 'master', 'host-2': 'worker', 'host-3': 'worker' })
    expect(await readKey(service(h2), LEADER_KEY)).toBe(h1.uuid)
    expect(await readKey(service(h3), MASTER_IP_KEY)).toBe(h1.vpnAddress)
    expect(await readKey(service(h3), NODE_TOKEN_KEY)).toBe('K10host-1::server:stand-in')
    expect(Buffer.from(await readKey(service(h3), KUBECONFIG_KEY) ?? '', 'base64url').toString()).toContain('name: host-1')
    // the raw wire keys Kairos uses
    const keys = await h2.client.getBucketKeys('kairos')
    expect(keys).toEqual(expect.arrayContaining(['leader-auto', 'ip-master', 'token-nodetoken', 'master-kubeconfig', 'uuid-host-2-role', 'uuid-host-3-uuid']))

    expect(h1.k3s.calls()).toEqual([['server', '--node-ip', '10.1.0.1', '--flannel-iface', 'edgevpn0']])
    for (const worker of [h2, h3]) {
      expect(worker.k3s.calls()).toEqual([['agent', '--server', 'https://10.1.0.1:6443', '--token', 'K10host-1::server:stand-in', '--node-ip', worker.vpnAddress, '--flannel-iface', 'edgevpn0']])
    }
    expect(report(h1.roles.status()!, 'auto')).toMatch(/^done: leader of 3 nodes; master uuid-host-1/)
    expect(report(h2.roles.status()!, 'auto')).toBe('done: following leader uuid-host-1')
    expect(report(h2.roles.status()!, 'worker')).toBe('done: k3s agent started, joined to https://10.1.0.1:6443')

    // idempotent: more iterations, and a restarted agent, start nothing again
    await c.tickAll()
    await c.tickAll()
    h3.restartRoles()
    const again = await h3.roles.tick()
    expect(report(again, 'worker')).toBe('done: k3s agent already applied, joined to https://10.1.0.1:6443')
    expect(h1.k3s.calls()).toHaveLength(1)
    expect(h2.k3s.calls()).toHaveLength(1)
    expect(h3.k3s.calls()).toHaveLength(1)
  })

  it('repairs lost writes: a missing assignment or join data is written again', async () => {
    cluster = await startRoleCluster(3)
    const c = cluster
    const [h1, h2, h3] = c.hosts
    await tickUntil(c, () => allApplied(c))

    // as if the leader's assignment of host-3 and the master's address never arrived
    await c.ledger.delete('kairos', `${h3.uuid}-role`)
    await c.ledger.delete('kairos', 'ip-master')
    const stranded = await h3.roles.tick()
    expect(report(stranded, ASSIGNMENT)).toBe(`waiting: no role assigned to ${h3.uuid} yet (leader: ${h1.uuid})`)

    await h2.roles.tick()
    expect(report(h2.roles.status()!, 'worker')).toBe('waiting: waiting for master join data: ip-master not published yet')
    await tickUntil(c, () => allApplied(c))
    expect(await roleOf(h1, h3.uuid)).toBe('worker')
    expect(await readKey(service(h2), MASTER_IP_KEY)).toBe(h1.vpnAddress)
    // nothing was restarted: the join data is the same as before
    expect(h2.k3s.calls()).toHaveLength(1)
    expect(h3.k3s.calls()).toHaveLength(1)
  })

  it('reassigns the master role once its holder stops advertizing, and workers re-join', async () => {
    cluster = await startRoleCluster(3)
    const c = cluster
    const [h1, h2, h3] = c.hosts
    await tickUntil(c, () => allApplied(c))

    // host-1 (leader and master) goes silent; 14 minutes later it is still inside the window
    const rest = [h2, h3]
    c.clock.now += 14 * MINUTE
    await c.beat(rest)
    await c.tickAll(rest)
    await c.tickAll(rest)
    expect(await roleOf(h2, h1.uuid)).toBe('master')

    // past the 15-minute window: host-3 (larger hash than host-2) takes the lead and, the
    // others being workers, promotes one; host-1 is demoted so it cannot return as a master
    c.clock.now += 2 * MINUTE
    await c.beat(rest)
    await tickUntil(c, async () => allApplied(c, rest) && await roleOf(h2, h1.uuid) === 'worker' && h2.k3s.calls().length === 2, 20, rest)
    expect(await readKey(service(h2), LEADER_KEY)).toBe(h3.uuid)
    expect(await roles(c)).toEqual({ 'host-1': 'worker', 'host-2': 'worker', 'host-3': 'master' })
    expect(h3.k3s.calls().at(-1)).toEqual(['server', '--node-ip', '10.1.0.3', '--flannel-iface', 'edgevpn0'])
    expect(h2.k3s.calls().at(-1)).toEqual(['agent', '--server', 'https://10.1.0.3:6443', '--token', 'K10host-3::server:stand-in', '--node-ip', '10.1.0.2', '--flannel-iface', 'edgevpn0'])
  })

  it('reports a failing k3s and an unknown role, and retries on the next iteration', async () => {
    cluster = await startRoleCluster(2, { defaultRoles: ['worker', 'gateway'], env: () => ({ ...process.env, STANDIN_FAIL: '1', STANDIN_RECORD: '/dev/null' }) })
    const c = cluster
    const [h1] = c.hosts
    // pinned roles are published for the leader to see, and the worker waits for a master
    const first = await h1.roles.tick()
    expect(report(first, 'worker')).toBe('waiting: waiting for master join data: ip-master and token-nodetoken not published yet')
    expect(report(first, 'gateway')).toBe('failed: unknown role "gateway"')
    await expect.poll(async () => await roleOf(h1)).toBe('worker,gateway')

    await writeKey(service(h1), MASTER_IP_KEY, '10.1.0.9')
    await writeKey(service(h1), NODE_TOKEN_KEY, 'tok')
    await expect.poll(async () => await readKey(service(h1), NODE_TOKEN_KEY)).toBe('tok')
    const failed = await h1.roles.tick()
    expect(report(failed, 'worker')).toMatch(/^failed: .*k3s-stand-in agent --server https:\/\/10\.1\.0\.9:6443 --token tok .* exited with status 3; see .*k3s\.log$/)
    const retried = await h1.roles.tick()
    expect(report(retried, 'worker')).toMatch(/^failed: .*exited with status 3/)
  })

  it('keeps iterating while the API is unreachable', async () => {
    cluster = await startRoleCluster(2)
    const [h1] = cluster.hosts
    await h1.server.stop()
    const status = await h1.roles.tick()
    expect(status.error).toMatch(/ENOENT|ECONNREFUSED/)
    expect(status.view).toBeUndefined()
  })
})
