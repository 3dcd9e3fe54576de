/**
 * A mixed mesh with the reference itself: two Go edgevpn daemons (built by
 * scripts/build-go-edgevpn.sh from the Go module proxy) and two of ours, one per network namespace
 * on one LAN, holding one token that Go generated, finding each other by mDNS only. Every ordered
 * pair pings over the VPN, and a ledger write through either kind's API is read through the other's.
 */
import { existsSync, readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { execFileSync } from 'node:child_process'
import { createNetnsLab } from '@edgevpn/testbed/lab'
import { LabDaemon, labApiRequest, labHome, pingUntilUp, waitFor } from '@edgevpn/testbed/lab/tools'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dig } from '../e2e/lib/dig.js'
import { e2eUnavailableReason } from '../e2e/lib/test-mesh.js'
import type { LabHost, NetnsLab } from '@edgevpn/testbed/lab'

const GO_CACHE = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'edgevpn-test', 'go')
const GO_EDGEVPN = join(GO_CACHE, 'edgevpn')

function unavailableReason (): string | undefined {
  if (!existsSync(GO_EDGEVPN)) return `Go edgevpn is not built (${GO_EDGEVPN}): scripts/build-go-edgevpn.sh builds it where Go is installed`
  return e2eUnavailableReason()
}

interface Node { kind: 'go' | 'ours', host: LabHost, address: string }

describe.skipIf(unavailableReason() !== undefined)('a mesh of Go edgevpn and our daemons on one LAN', () => {
  let lab: NetnsLab
  const nodes: Node[] = []
  const daemons: LabDaemon[] = []

  beforeAll(async () => {
    console.log(`Go peer: ${readFileSync(join(GO_CACHE, 'BUILD-INFO'), 'utf8').trim()}`)
    // the token comes from Go, so ours must read Go's format
    const token = execFileSync(GO_EDGEVPN, ['-g', '-b'], { encoding: 'utf8' }).trim()
    lab = await createNetnsLab({ prefix: 'evtgo', hosts: 4, subnet: '10.254.95' })
    for (const [i, host] of lab.hosts.entries()) {
      const kind = i < 2 ? 'go' : 'ours'
      const address = `10.1.0.${i + 1}`
      nodes.push({ kind, host, address })
      const flags = ['--address', `${address}/24`, '--api', '--api-listen', '127.0.0.1:8080', '--dns', '127.0.0.1:53', '--dns-forwarder=false', '--dht=false', '--log-level', 'info']
      daemons.push(new LabDaemon(lab, host, {
        name: `${kind}-${i + 1}`,
        hostname: `${kind}-${i + 1}`,
        env: { EDGEVPNTOKEN: token, HOME: labHome(host) },
        ...(kind === 'go'
          ? { command: [GO_EDGEVPN, ...flags, '--natmap=false', '--privkey-cache-dir', labHome(host)] }
          : { args: flags })
      }))
    }
  }, 60_000)

  afterAll(async () => {
    await Promise.all(daemons.map(async daemon => { await daemon.stop() }))
    await lab?.destroy()
  })

  it('every ordered pair pings over the VPN', async () => {
    const started = Date.now()
    for (const from of nodes) {
      for (const to of nodes.filter(node => node !== from)) {
        await pingUntilUp(lab, from.host, to.address, 90_000)
      }
    }
    console.log(`all 12 ordered pairs (Go and ours) pinged ${((Date.now() - started) / 1000).toFixed(1)} s after start`)
  }, 240_000)

  it.for([['go', 'ours'], ['ours', 'go']] as const)('a ledger write through a %s node\'s API is read through a %s node\'s', { timeout: 90_000 }, async ([writer, reader]) => {
    const from = nodes.find(node => node.kind === writer) as Node
    const to = nodes.find(node => node.kind === reader) as Node
    const key = `from-${writer}-${Date.now()}`
    const put = await labApiRequest(lab, from.host, 'PUT', `/api/ledger/interop/${key}/written-by-${writer}`)
    expect(put.status).toBe(200)
    const body = await waitFor(`${key} on the ${reader} node`, async () => {
      const got = await labApiRequest(lab, to.host, 'GET', `/api/ledger/interop/${key}`).catch(() => undefined)
      return got?.status === 200 && got.body.includes(`written-by-${writer}`) ? got.body : undefined
    }, 60_000)
    // both kinds answer with the stored JSON value encoded once more as a JSON string
    expect(JSON.parse(JSON.parse(body))).toBe(`written-by-${writer}`)
  })

  it.for([['go', 'ours'], ['ours', 'go']] as const)('a DNS record posted through a %s node\'s API resolves on a %s node', { timeout: 90_000 }, async ([writer, reader]) => {
    const from = nodes.find(node => node.kind === writer) as Node
    const to = nodes.find(node => node.kind === reader) as Node
    const address = writer === 'go' ? '10.1.0.71' : '10.1.0.72'
    const posted = await labApiRequest(lab, from.host, 'POST', '/api/dns', JSON.stringify({ Regex: `${writer}\\.interop\\.`, Records: { A: address } }))
    expect(posted.status).toBe(200)
    const answers = await waitFor(`${writer}.interop. on the ${reader} node`, async () => {
      const found = await dig(lab, to.host, `${writer}.interop.`)
      return found.length > 0 ? found : undefined
    }, 60_000)
    expect(answers).toEqual([address])
  })
})
