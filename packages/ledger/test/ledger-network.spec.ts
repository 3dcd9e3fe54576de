/**
 * Multi-process acceptance of the ledger's network half: real libp2p nodes in separate OS
 * processes on loopback (fixtures/ledger-node.ts on the built packages; run `npx tsc -b` first).
 * Convergence times are measured and logged, not asserted beyond generous bounds.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { LedgerProcess, randomNetwork, startMesh } from './ledger-process.js'
import type { LedgerNodeConfig } from './fixtures/ledger-node.js'

const nodes: LedgerProcess[] = []

afterEach(async () => {
  await Promise.all(nodes.splice(0).map(async node => { await node.stop() }))
})

function config (overrides: Partial<LedgerNodeConfig> = {}): LedgerNodeConfig {
  return { network: randomNetwork(), mode: 'enforce', syncIntervalMs: 10_000, ...overrides }
}

async function stats (node: LedgerProcess): Promise<{ changesPublished: number, syncs: number, syncBytes: number }> {
  return ((await node.send({ op: 'stats' })) as unknown as { sync: { changesPublished: number, syncs: number, syncBytes: number } }).sync
}

/** Refreshes `node`'s heartbeat to second `i` of a fixed minute. */
async function beat (node: LedgerProcess, i: number): Promise<void> {
  await node.send({ op: 'put', bucket: 'healthcheck', key: node.peerId, value: `2026-01-01T00:00:0${i}Z` })
}

/** Puts on `writer`, waits until every reader shows the value; returns the slowest delay in ms. */
async function writeAndAwait (writer: LedgerProcess, readers: LedgerProcess[], key: string, timeoutMs = 10_000): Promise<number> {
  const result = await writer.send({ op: 'put', bucket: 'test', key, value: `value of ${key}` })
  const writtenAt = result.t as number
  await Promise.all(readers.map(async reader => {
    await reader.waitFor(() => reader.changeOf('test', key) !== undefined, timeoutMs, `test/${key}`)
  }))
  for (const reader of readers) expect(reader.changeOf('test', key)?.value).toBe(JSON.stringify(`value of ${key}`))
  return Math.max(...readers.map(reader => (reader.changeOf('test', key)?.t ?? Infinity) - writtenAt))
}

/** Waits until all nodes report the same ledger summary; returns their data. */
async function converged (group: LedgerProcess[], timeoutMs: number): Promise<Array<Record<string, Record<string, string>>>> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const dumps = await Promise.all(group.map(async node => node.send({ op: 'dump' })))
    if (dumps.every(d => d.summary === dumps[0].summary)) return dumps.map(d => d.data as Record<string, Record<string, string>>)
    if (Date.now() > deadline) throw new Error(`no convergence within ${timeoutMs} ms: ${dumps.map(d => d.summary as string).join(' ')}`)
    await new Promise(resolve => setTimeout(resolve, 200))
  }
}

describe('ledger gossip between processes', () => {
  it('delivers both ways in a 2-node mesh and across a 3-node line', async () => {
    const [a, b] = await startMesh(['a', 'b'], config(), nodes)
    console.log(`2 nodes: a->b ${await writeAndAwait(a, [b], 'from-a')} ms, b->a ${await writeAndAwait(b, [a], 'from-b')} ms`)

    // c reaches a only through b: gossip must be forwarded
    const shared = config()
    const line = await Promise.all(['l1', 'l2', 'l3'].map(async name => {
      const node = new LedgerProcess(name, shared)
      nodes.push(node)
      await node.ready
      return node
    }))
    const [l1, l2, l3] = line
    await l2.send({ op: 'dial', addrs: [l1.addrs[0], l3.addrs[0]] })
    const ends = `l1->l3 ${await writeAndAwait(l1, [l2, l3], 'from-l1')} ms, l3->l1 ${await writeAndAwait(l3, [l1, l2], 'from-l3')} ms`
    console.log(`3-node line: ${ends}, l2->ends ${await writeAndAwait(l2, [l1, l3], 'from-l2')} ms`)
  })

  it('makes a write on one of 5 nodes readable on all 5 (target: within 2 s)', async () => {
    const mesh = await startMesh(['n1', 'n2', 'n3', 'n4', 'n5'], config(), nodes)
    await converged(mesh, 10_000)
    const delays: number[] = []
    for (let i = 0; i < 5; i++) {
      const writer = mesh[i]
      delays.push(await writeAndAwait(writer, mesh.filter(node => node !== writer), `k${i}`, 10_000))
    }
    console.log(`5 nodes, slowest reader per write (ms): ${delays.join(', ')}`)
    expect(Math.max(...delays)).toBeLessThan(2_000)
    const data = await converged(mesh, 5_000)
    expect(Object.keys(data[0].test)).toHaveLength(5)
  })

  it('leaves heartbeat refreshes to the pulls, which carry only what changed', async () => {
    const mesh = await startMesh(['hb-a', 'hb-b'], config({ syncIntervalMs: 1_000 }), nodes)
    const [a, b] = mesh
    await a.send({ op: 'putMany', bucket: 'bulk', prefix: 'k', count: 200 })
    await converged(mesh, 10_000)
    const heartbeat = async (i: number): Promise<void> => { await beat(a, i) }
    await heartbeat(0) // the first one is pushed
    await b.waitFor(() => b.changeOf('healthcheck', a.peerId) !== undefined, 5_000, 'first heartbeat')
    // the first pull after the bulk write still lists those 200 changes
    const pullsStart = (await stats(b)).syncs
    while ((await stats(b)).syncs < pullsStart + 2) await new Promise(resolve => setTimeout(resolve, 500))
    const [before, pullsBefore] = [await stats(a), await stats(b)]
    // b pulls from a every second, so every refresh finds a pull since the one before
    for (let i = 1; i <= 5; i++) {
      await heartbeat(i)
      await new Promise(resolve => setTimeout(resolve, 1_500))
    }
    await b.waitFor(() => b.changes.some(c => c.key === a.peerId && c.value === '"2026-01-01T00:00:05Z"'), 10_000, 'last heartbeat, pulled')
    const [after, pullsAfter] = [await stats(a), await stats(b)]
    const bytesPerPull = (pullsAfter.syncBytes - pullsBefore.syncBytes) / (pullsAfter.syncs - pullsBefore.syncs)
    console.log(`5 heartbeat refreshes: ${after.changesPublished - before.changesPublished} pushed; b pulled ${pullsAfter.syncs - pullsBefore.syncs} times, ${bytesPerPull.toFixed(0)} bytes a pull, next to a ledger of 200 entries`)
    expect(after.changesPublished).toBe(before.changesPublished)
    // a full digest exchange of 200 entries is over 20 kB
    expect(bytesPerPull).toBeLessThan(1_000)
    // once the heartbeat was deleted (a leader's scrub does that), the next one is pushed again
    const published = async (count: number): Promise<void> => {
      for (let deadline = Date.now() + 5_000; (await stats(a)).changesPublished < count;) {
        if (Date.now() > deadline) throw new Error(`${count} changes not published`)
        await new Promise(resolve => setTimeout(resolve, 100))
      }
    }
    await a.send({ op: 'delete', bucket: 'healthcheck', key: a.peerId })
    await published(after.changesPublished + 1)
    await heartbeat(6)
    await published(after.changesPublished + 2)
  })

  it('hands a heartbeat nobody pulled to a partner, without a push', async () => {
    // pulls every hour at most: after the first few, only a handover brings a refresh over
    const mesh = await startMesh(['ho-a', 'ho-b'], config({ syncIntervalMs: 3_600_000 }), nodes)
    const [a, b] = mesh
    await converged(mesh, 10_000)
    await beat(a, 0) // the first one is pushed
    await b.waitFor(() => b.changeOf('healthcheck', a.peerId) !== undefined, 5_000, 'first heartbeat')
    const before = await stats(a)
    await beat(a, 1)
    await beat(a, 2) // no pull from a since the one before
    await b.waitFor(() => b.changes.some(c => c.key === a.peerId && c.value === '"2026-01-01T00:00:02Z"'), 3_000, 'the handed-over heartbeat')
    expect((await stats(a)).changesPublished).toBe(before.changesPublished)
  })

  it('gives a node that starts after 100 writes all of them (target: within 5 s)', async () => {
    const shared = config()
    const [first, second] = await startMesh(['w1', 'w2'], shared, nodes)
    await first.send({ op: 'putMany', bucket: 'bulk', prefix: 'k', count: 50 })
    await second.send({ op: 'putMany', bucket: 'bulk', prefix: 'j', count: 50 })
    await converged([first, second], 10_000)

    const late = new LedgerProcess('late', shared)
    nodes.push(late)
    await late.ready
    const dialed = await late.send({ op: 'dial', addrs: [first.addrs[0]] })
    const complete = (): boolean => late.changes.filter(c => c.bucket === 'bulk' && c.value !== undefined).length === 100
    await late.waitFor(complete, 15_000, '100 entries')
    const lastChange = Math.max(...late.changes.filter(c => c.bucket === 'bulk').map(c => c.t))
    console.log(`late joiner had all 100 entries ${lastChange - (dialed.t as number)} ms after its dial`)
    expect(lastChange - (dialed.t as number)).toBeLessThan(5_000)
    const [reference, joined] = await converged([first, late], 5_000)
    expect(joined).toEqual(reference)
  })

  it('catches a late joiner up in ownership mode off too (whole blocks over the sync protocol)', async () => {
    const shared = config({ mode: 'off' })
    const [first] = await startMesh(['off1'], shared, nodes)
    await first.send({ op: 'putMany', bucket: 'bulk', prefix: 'k', count: 20 })
    const late = new LedgerProcess('off-late', shared)
    nodes.push(late)
    await late.ready
    const dialed = await late.send({ op: 'dial', addrs: [first.addrs[0]] })
    await late.waitFor(() => late.changes.filter(c => c.bucket === 'bulk').length === 20, 10_000, '20 entries')
    console.log(`off mode: late joiner had all 20 entries ${Math.max(...late.changes.map(c => c.t)) - (dialed.t as number)} ms after its dial`)
    await writeAndAwait(late, [first], 'from-late')
  })

  it('converges two halves of a partitioned mesh once the partition heals', async () => {
    const mesh = await startMesh(['p1', 'p2', 'p3', 'p4'], config(), nodes)
    await converged(mesh, 10_000)
    const left = mesh.slice(0, 2)
    const right = mesh.slice(2)
    for (const node of left) await node.send({ op: 'partition', peers: right.map(n => n.peerId) })
    for (const node of right) await node.send({ op: 'partition', peers: left.map(n => n.peerId) })

    await writeAndAwait(left[0], [left[1]], 'left-only')
    await writeAndAwait(right[0], [right[1]], 'right-only')
    // the same open-bucket key written on both sides: the newer version must win everywhere
    await left[1].send({ op: 'put', bucket: 'test', key: 'contested', value: 'left' })
    await new Promise(resolve => setTimeout(resolve, 50))
    await right[1].send({ op: 'put', bucket: 'test', key: 'contested', value: 'right' })
    await new Promise(resolve => setTimeout(resolve, 1_000))
    for (const node of left) expect(node.changeOf('test', 'right-only')).toBeUndefined()
    for (const node of right) expect(node.changeOf('test', 'left-only')).toBeUndefined()

    const healedAt = Date.now()
    for (const node of right) await node.send({ op: 'heal', addrs: [] })
    for (const node of left) await node.send({ op: 'heal', addrs: right.map(n => n.addrs[0]) })
    const data = await converged(mesh, 15_000).catch(async (err: Error) => {
      for (const node of mesh) console.log(node.name, node.peerId, JSON.stringify(await node.send({ op: 'stats' })), node.stderr.slice(-10))
      throw err
    })
    console.log(`partition healed: all 4 nodes agree ${Date.now() - healedAt} ms after the heal`)
    for (const view of data) {
      expect(view.test['left-only']).toBe('"value of left-only"')
      expect(view.test['right-only']).toBe('"value of right-only"')
      expect(view.test.contested).toBe('"right"')
      expect(view).toEqual(data[0])
    }
  })

  it('rejects forged writes in enforce mode and logs but accepts them in observe mode', async () => {
    const network = randomNetwork()
    const [enforcing, forger] = await startMesh(['enforce', 'forger'], { network, mode: 'enforce' }, nodes)
    const observing = new LedgerProcess('observe', { network, mode: 'observe' })
    nodes.push(observing)
    await observing.ready
    await observing.send({ op: 'dial', addrs: [enforcing.addrs[0], forger.addrs[0]] })
    await writeAndAwait(enforcing, [forger, observing], 'warm-up')

    // a service entry naming the enforcing node as owner, but signed by the forger
    await forger.send({ op: 'forge', bucket: 'services', key: 'web', value: { PeerID: enforcing.peerId, Name: 'web' }, kind: 'wrongOwner' })
    // a healthcheck entry for the enforcing node with a signature that does not verify
    await forger.send({ op: 'forge', bucket: 'healthcheck', key: enforcing.peerId, value: '2030-01-01T00:00:00Z', kind: 'badSignature' })

    await observing.waitFor(() => observing.changeOf('services', 'web') !== undefined && observing.changeOf('healthcheck', enforcing.peerId) !== undefined, 10_000, 'forged entries accepted in observe mode')
    expect(observing.warnings.some(w => w.includes('ownership violation (observe, accepting): services/web') && w.includes('value owner does not match signer'))).toBe(true)
    expect(observing.warnings.some(w => w.includes(`healthcheck/${enforcing.peerId}`) && w.includes('invalid signature'))).toBe(true)

    await enforcing.waitFor(() => enforcing.warnings.filter(w => w.startsWith('ownership violation (rejected)')).length >= 2, 10_000, 'rejections')
    expect(enforcing.warnings.some(w => w.includes('services/web') && w.includes('value owner does not match signer'))).toBe(true)
    // the observer now holds the forged entries; syncing with it must not smuggle them in
    await new Promise(resolve => setTimeout(resolve, 3_000))
    expect((await enforcing.send({ op: 'get', bucket: 'services', key: 'web' })).value).toBeNull()
    expect(enforcing.changeOf('healthcheck', enforcing.peerId)).toBeUndefined()
    expect(forger.changeOf('services', 'web')).toBeUndefined()
  })

  it('sends changed entries, not blocks, between our nodes, and full blocks while a Go-like peer is on the topic', async () => {
    const shared = config({ syncIntervalMs: 2_000 })
    const [a, b] = await startMesh(['ts-a', 'ts-b'], shared, nodes)
    await a.send({ op: 'putMany', bucket: 'bulk', prefix: 'k', count: 10 })
    await converged([a, b], 10_000)
    const published = async (node: LedgerProcess): Promise<{ blocks: number, changes: number }> => {
      const { sync } = await node.send({ op: 'stats' }) as unknown as { sync: { blocksPublished: number, changesPublished: number } }
      return { blocks: sync.blocksPublished, changes: sync.changesPublished }
    }
    await new Promise(resolve => setTimeout(resolve, 8_000)) // past the ticker's start-up
    const quietStart = await published(a)
    await writeAndAwait(a, [b], 'one-more')
    await new Promise(resolve => setTimeout(resolve, 8_000))
    const quietEnd = await published(a)
    console.log('TS-only mesh, one write and 8 s: node a published', quietEnd.blocks - quietStart.blocks, 'blocks,', quietEnd.changes - quietStart.changes, 'change messages')
    expect(quietEnd.blocks).toBe(quietStart.blocks)
    expect(quietEnd.changes).toBe(quietStart.changes + 1)

    // a peer without the sync protocol, like Go edgevpn, joins late through a only
    const legacy = new LedgerProcess('go-like', { ...shared, legacy: true })
    nodes.push(legacy)
    await legacy.ready
    const dialed = await legacy.send({ op: 'dial', addrs: [a.addrs[0]] })
    await legacy.waitFor(() => legacy.changes.filter(c => c.bucket === 'bulk').length === 10, 10_000, 'state from a full block')
    console.log(`Go-like late joiner had all 10 entries ${Math.max(...legacy.changes.map(c => c.t)) - (dialed.t as number)} ms after its dial`)
    await writeAndAwait(legacy, [a, b], 'from-go-like')
    const withLegacy = await published(a)
    await new Promise(resolve => setTimeout(resolve, 8_000))
    const withLegacyEnd = await published(a)
    console.log('with a Go-like peer over 8 s: node a published', withLegacyEnd.blocks - withLegacy.blocks, 'blocks')
    expect(withLegacyEnd.blocks).toBeGreaterThan(withLegacy.blocks + 1)
  })
})
