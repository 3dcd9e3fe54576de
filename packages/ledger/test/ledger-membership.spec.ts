/**
 * Who can change the ledger, through real gossip between processes on loopback
 * (fixtures/ledger-node.ts on the built packages; docs/security.md):
 * - a peer without the network token, even connected to members, neither reads nor writes it;
 * - under ownership `enforce`, a member can neither overwrite nor evict (tombstone) an entry of
 *   another member whose heartbeat is fresh.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { formatRfc3339 } from '@edgevpn/go-compat'
import { LedgerProcess, randomNetwork, startMesh } from './ledger-process.js'

const nodes: LedgerProcess[] = []

afterEach(async () => {
  await Promise.all(nodes.splice(0).map(async node => { await node.stop() }))
})

describe('a peer without the token', () => {
  it('cannot write to or read the members\' ledger, though connected to them', async () => {
    const network = randomNetwork()
    const members = await startMesh(['member-a', 'member-b'], { network, mode: 'enforce', syncIntervalMs: 1_000 }, nodes)
    const outsider = new LedgerProcess('outsider', { network: randomNetwork(), mode: 'enforce', syncIntervalMs: 1_000 })
    nodes.push(outsider)
    await outsider.ready
    await outsider.send({ op: 'dial', addrs: members.map(member => member.addrs[0]) })
    await outsider.send({ op: 'put', bucket: 'test', key: 'intrusion', value: 'from outside' })
    await members[0].send({ op: 'put', bucket: 'test', key: 'members-only', value: 'secret' })
    await members[1].waitFor(() => members[1].changeOf('test', 'members-only') !== undefined, 10_000, 'the members\' write')
    // several sync rounds for a wrongly accepted write to travel
    await new Promise(resolve => setTimeout(resolve, 4_000))
    for (const member of members) expect(member.changeOf('test', 'intrusion')).toBeUndefined()
    expect(outsider.changeOf('test', 'members-only')).toBeUndefined()
  }, 60_000)
})

describe('ownership enforce between processes', () => {
  it('keeps a live member\'s entry when another member forges or evicts it', async () => {
    const [owner, attacker] = await startMesh(['owner', 'attacker'], { network: randomNetwork(), mode: 'enforce', syncIntervalMs: 10_000 }, nodes)
    await owner.send({ op: 'put', bucket: 'healthcheck', key: owner.peerId, value: formatRfc3339(Date.now()) })
    await owner.send({ op: 'put', bucket: 'services', key: 'web', value: { PeerID: owner.peerId, Name: 'web' } })
    await attacker.waitFor(() => attacker.changeOf('services', 'web') !== undefined, 10_000, 'the owner\'s entry')
    const original = (await owner.send({ op: 'get', bucket: 'services', key: 'web' })).value

    await attacker.send({ op: 'forge', bucket: 'services', key: 'web', value: { PeerID: attacker.peerId, Name: 'web' }, kind: 'wrongOwner' })
    await attacker.send({ op: 'forge', bucket: 'services', key: 'web', value: null, kind: 'evict' })

    const rejected = (): string[] => owner.warnings.filter(w => w.startsWith('ownership violation (rejected)') && w.includes('services/web'))
    await owner.waitFor(() => rejected().length >= 2, 10_000, 'both rejections')
    expect(rejected().some(w => w.includes('tombstone by non-owner of a live entry'))).toBe(true)
    // let a wrongly accepted change arrive before checking that none did
    await new Promise(resolve => setTimeout(resolve, 2_000))
    expect((await owner.send({ op: 'get', bucket: 'services', key: 'web' })).value).toBe(original)
    expect(owner.changeOf('services', 'web')?.value).toBe(JSON.stringify({ Name: 'web', PeerID: owner.peerId }))
  }, 60_000)
})
