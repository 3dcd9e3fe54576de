/**
 * The daemon as Kairos runs it: `edgevpn` with no flags at all, configured only by the
 * variables of Kairos' env file (`EDGEVPNTOKEN`, `API`, `APILISTEN=unix://…`,
 * `APILISTENUNIXMODE=0600`, `DHCP`, `DHCPLEASEDIR`, `DNSADDRESS`, `DNSFORWARD`, `EDGEVPNDHT`).
 * The node agent talks to the API over the unix socket with the Go client's calls.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createNetnsLab } from '@edgevpn/testbed/lab'
import { LabDaemon, pingUntilUp, waitFor } from '@edgevpn/testbed/lab/tools'
import { createApiClient } from '@edgevpn/api-client'
import { encodeToken, generateNetworkConfig } from '@edgevpn/mesh-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dig } from './lib/dig.js'
import { e2eUnavailableReason } from './lib/test-mesh.js'
import type { NetnsLab } from '@edgevpn/testbed/lab'

const skipReason = e2eUnavailableReason()

describe.skipIf(skipReason !== undefined)('edgevpn configured by a Kairos env file', () => {
  let lab: NetnsLab
  let root: string
  const daemons: LabDaemon[] = []
  const sockets: string[] = []

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'evt-kairos-'))
    lab = await createNetnsLab({ prefix: 'evtkai', hosts: 2, subnet: '10.254.86' })
    const token = encodeToken(generateNetworkConfig())
    for (const [i, host] of lab.hosts.entries()) {
      const socket = join(root, `edgevpn-kairos-${i + 1}.sock`)
      sockets.push(socket)
      daemons.push(new LabDaemon(lab, host, {
        name: `kairos-${i + 1}`,
        hostname: `kairos-${i + 1}`,
        args: [],
        env: {
          // Kairos' env file, with paths under the test's temp dir:
          EDGEVPNTOKEN: token,
          API: 'true',
          APILISTEN: `unix://${socket}`,
          APILISTENUNIXMODE: '0600',
          DHCP: 'true',
          DHCPLEASEDIR: join(root, `lease-${i + 1}`),
          DNSADDRESS: '127.0.0.1:53',
          DNSFORWARD: 'true',
          EDGEVPNDHT: 'false',
          // the lab: nothing to forward to but loopback, a fast ledger for a short DHCP round
          DNSFORWARDSERVER: '127.0.0.1:5353',
          EDGEVPNLISTENMADDRS: `/ip4/${host.address}/tcp/0`,
          EDGEVPNLEDGERSYNCINTERVAL: '2',
          EDGEVPNLOGLEVEL: 'info'
        }
      }))
    }
  }, 60_000)

  afterAll(async () => {
    await Promise.all(daemons.map(async daemon => { await daemon.stop() }))
    await lab?.destroy()
    rmSync(root, { recursive: true, force: true })
  })

  it('serves the API on a unix socket with mode 0600, from boot: before the DHCP lease and the VPN', async () => {
    for (const [i, socket] of sockets.entries()) {
      const stat = await waitFor(`API socket ${socket}`, async () => {
        try { return statSync(socket) } catch { return undefined }
      }, 30_000)
      expect(stat.isSocket()).toBe(true)
      expect(stat.mode & 0o777).toBe(0o600)
      // as in Go, the agent can poll it while the address is still being negotiated
      const listening = daemons[i].logs.findIndex(record => record.message === 'API listening')
      const vpnStarted = daemons[i].logs.findIndex(record => record.message === 'VPN started')
      expect(listening).toBeGreaterThanOrEqual(0)
      expect(vpnStarted === -1 || vpnStarted > listening).toBe(true)
    }
  })

  it('gives every node a distinct DHCP address, and they ping each other', async () => {
    const clients = sockets.map(socket => createApiClient({ host: `unix://${socket}` }))
    const machines = await waitFor('both machines with DHCP addresses', async () => {
      const list = await clients[0].machines().catch(() => [])
      return list.length === 2 ? list : undefined
    }, 90_000)
    const addresses = machines.map(m => m.Address).sort()
    expect(new Set(addresses).size).toBe(2)
    for (const address of addresses) expect(address).toMatch(/^10\.1\.0\.\d+$/)
    const second = machines.find(m => m.Hostname === 'kairos-2')
    expect(second).toBeDefined()
    await pingUntilUp(lab, lab.hosts[0], second?.Address ?? '', 30_000)
    expect(await dig(lab, lab.hosts[0], 'kairos-2.edgevpn.', 'A')).toEqual([second?.Address])
  }, 150_000)

  it("round-trips the Go client's ledger calls across nodes over the sockets", async () => {
    const [one, two] = sockets.map(socket => createApiClient({ host: `unix://${socket}` }))
    await one.put('kairos', 'node-uuid-role', 'master')
    const value = await waitFor('the role on node 2', async () => await two.getBucketKey('kairos', 'node-uuid-role').catch(() => undefined), 15_000)
    expect(JSON.parse(value)).toBe('master')
  }, 30_000)

  it('exits 0 on SIGTERM and removes the socket', async () => {
    await daemons[1].stop()
    expect(await daemons[1].exited).toBe(0)
    expect(() => statSync(sockets[1])).toThrow()
  }, 30_000)
})
