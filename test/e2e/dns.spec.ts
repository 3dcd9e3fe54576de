/**
 * The DNS server of real `edgevpn` daemons (`--dns 127.0.0.1:53` in each namespace): a record
 * posted through one node's API is answered by another node within 2 s, and every daemon's
 * host name resolves as `<hostname>.edgevpn.` on the others.
 *
 * Spawned daemons run the BUILT packages: `npx tsc -b` first.
 */
import { labApiRequest, waitFor } from '@edgevpn/testbed/lab/tools'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dig } from './lib/dig.js'
import { TestMesh, e2eUnavailableReason } from './lib/test-mesh.js'

const skipReason = e2eUnavailableReason()
const vpnAddress = (index: number): string => `10.1.0.${index + 1}`
/** Acceptance criterion: a record posted on one node is served by the others this fast. */
const PROPAGATION_LIMIT_MS = 2000

describe.skipIf(skipReason !== undefined)(`edgevpn DNS across daemons${skipReason === undefined ? '' : ` (skipped: ${skipReason})`}`, () => {
  let mesh: TestMesh | undefined

  beforeAll(async () => {
    mesh = await TestMesh.create({ prefix: 'evtdns', hosts: 3, subnet: '10.254.83' })
    const daemons = mesh.hosts.map((_, i) => mesh!.start(i, ['--address', `${vpnAddress(i)}/24`,
      '--api', '--api-listen', '127.0.0.1:8080', '--dns', '127.0.0.1:53', '--dns-forwarder=false']))
    await Promise.all(daemons.map(async daemon => await daemon.waitForLog(record => record.message === 'API listening')))
    await Promise.all(daemons.map(async daemon => await daemon.waitForLog(record => record.message === 'DNS server listening')))
    // The record must travel over gossip: wait until the mesh is connected before timing it.
    await mesh.pingAllPairs(mesh.hosts.map((_, i) => vpnAddress(i)), 30_000)
  }, 60_000)

  afterAll(async () => {
    await mesh?.destroy()
  })

  it(`answers a record posted on node 1 from node 3 within ${PROPAGATION_LIMIT_MS} ms`, async () => {
    const [first, , third] = mesh!.hosts
    expect(await dig(mesh!.lab, third, 'web.mesh.')).toEqual([])
    const posted = await labApiRequest(mesh!.lab, first, 'POST', '/api/dns', JSON.stringify({ Regex: 'web\\.mesh\\.', Records: { A: '10.1.0.9' } }))
    expect(posted.status).toBe(200)
    const postAnswered = Date.now()
    const answer = await waitFor('web.mesh. on node-3', async () => {
      const answers = await dig(mesh!.lab, third, 'web.mesh.')
      return answers.length > 0 ? answers : undefined
    }, 10_000, 50)
    const propagationMs = Date.now() - postAnswered
    console.log(`[e2e dns] node-3 answers web.mesh. ${propagationMs} ms after node-1's POST /api/dns returned`)
    expect(answer).toEqual(['10.1.0.9'])
    expect(propagationMs).toBeLessThanOrEqual(PROPAGATION_LIMIT_MS)
  }, 30_000)

  it('resolves every node by its host name on the others', async () => {
    const { lab, hosts } = mesh!
    for (const [i, host] of hosts.entries()) {
      for (const [j] of hosts.entries()) {
        if (i === j) continue
        const name = `node-${j + 1}.edgevpn.`
        const answer = await waitFor(`${name} on node-${i + 1}`, async () => {
          const answers = await dig(lab, host, name)
          return answers.length > 0 ? answers : undefined
        }, 20_000)
        expect(answer, `${name} from node-${i + 1}`).toEqual([vpnAddress(j)])
      }
    }
  }, 60_000)
})
