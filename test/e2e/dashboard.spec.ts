/**
 * The web dashboard in a real headless browser against a live 3-node mesh: Debian's Chromium,
 * driven by playwright-core from inside node-1's network namespace (the API listens on that
 * namespace's loopback), checks that every page shows the mesh's real data, saves desktop and
 * phone screenshots in test/e2e/artifacts/, and watches a ledger write arrive live.
 *
 * Spawned daemons run the BUILT packages and the BUILT web UI: `npm run build` first.
 */
import { existsSync, mkdirSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { labApiRequest, waitFor } from '@edgevpn/testbed/lab/tools'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TestMesh, e2eUnavailableReason } from './lib/test-mesh.js'
import type { PageView } from './lib/dashboard-browser.js'
import type { ChildProcess } from 'node:child_process'

const CHROMIUM = '/usr/bin/chromium'
const BROWSER_SCRIPT = fileURLToPath(new URL('./lib/dashboard-browser.ts', import.meta.url))
const ARTIFACTS = fileURLToPath(new URL('./artifacts/', import.meta.url))

function browserUnavailableReason (): string | undefined {
  return existsSync(CHROMIUM) ? undefined : `${CHROMIUM} missing (scripts/test-deps.sh installs Debian's chromium as root)`
}

const skipReason = e2eUnavailableReason() ?? browserUnavailableReason()
const vpnAddress = (index: number): string => `10.1.0.${index + 1}`

interface Machine { PeerID: string, Hostname: string, Address: string }
interface PagesReport { pages: PageView[], tabStops: string[], afterEnter: string }
interface LedgerReport { appearedAfterMs: number, entry: { className: string, cells: string[] }, status: string }

describe.skipIf(skipReason !== undefined)(`web dashboard in a browser${skipReason === undefined ? '' : ` (skipped: ${skipReason})`}`, () => {
  let mesh: TestMesh | undefined
  let browser: ChildProcess | undefined
  let peerIds: string[] = []
  let machines: Machine[] = []
  let report: PagesReport
  let nextEvent: (name: string) => Promise<Record<string, unknown>>

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true })
    mesh = await TestMesh.create({ prefix: 'evtui', hosts: 3, subnet: '10.254.87' })
    const daemons = mesh.hosts.map((_, i) => mesh!.start(i, ['--address', `${vpnAddress(i)}/24`, '--api', '--api-listen', '127.0.0.1:8080']))
    await Promise.all(daemons.map(async daemon => await daemon.waitForLog(record => record.message === 'API listening')))
    await mesh.pingAllPairs(mesh.hosts.map((_, i) => vpnAddress(i)), 30_000)
    const { lab, hosts } = mesh
    const api = async <T>(host: number, path: string): Promise<T> =>
      JSON.parse((await labApiRequest(lab, hosts[host], 'GET', path)).body) as T
    peerIds = await Promise.all(hosts.map(async (_, i) => (await api<{ NodeID: string }>(i, '/api/summary')).NodeID))

    // what the pages must show: all machines, both peers connected, a DNS record posted elsewhere
    const posted = await labApiRequest(lab, hosts[1], 'POST', '/api/dns', JSON.stringify({ Regex: 'dash\\.mesh\\.', Records: { A: '10.1.0.42' } }))
    expect(posted.status).toBe(200)
    machines = await waitFor('3 machines on node-1', async () => {
      const list = await api<Machine[]>(0, '/api/machines')
      return list.length === 3 ? list : undefined
    }, 30_000)
    await waitFor('node-1 connected to both peers', async () => {
      const peers = await api<Array<{ connected: boolean }>>(0, '/api/peers')
      return peers.filter(peer => peer.connected).length === 2 ? true : undefined
    }, 30_000)
    await waitFor('the DNS record on node-1', async () =>
      (await api<Array<{ Regex: string }>>(0, '/api/dns')).some(r => r.Regex === 'dash\\.mesh\\.') ? true : undefined, 15_000)

    browser = lab.spawn(hosts[0], process.execPath, [BROWSER_SCRIPT, 'http://127.0.0.1:8080', ARTIFACTS], { stdio: ['pipe', 'pipe', 'pipe'] })
    const stderr: string[] = []
    createInterface({ input: browser.stderr! }).on('line', line => { stderr.push(line) })
    const events = createInterface({ input: browser.stdout! })[Symbol.asyncIterator]()
    nextEvent = async (name) => {
      const next = await events.next()
      if (next.done === true) throw new Error(`browser script ended before "${name}":\n${stderr.join('\n')}`)
      const event = JSON.parse(next.value) as Record<string, unknown>
      if (event.event !== name) throw new Error(`browser script sent "${String(event.event)}", expected "${name}"`)
      return event
    }
    report = await nextEvent('pages') as unknown as PagesReport
  }, 240_000)

  afterAll(async () => {
    // Let the script close Chromium and remove its profile directory; kill it only if it hangs.
    if (browser !== undefined && browser.exitCode === null && browser.signalCode === null) {
      const exited = new Promise(resolve => browser?.once('exit', resolve))
      browser.stdin?.end()
      const timer = setTimeout(() => browser?.kill('SIGKILL'), 15_000)
      await exited
      clearTimeout(timer)
    }
    await mesh?.destroy()
  }, 30_000)

  const page = (path: string): PageView => {
    const view = report.pages.find(p => p.path === path)
    if (view === undefined) throw new Error(`no report for page /app/${path}`)
    return view
  }
  const rows = (path: string): PageView['tables'][number]['rows'] => page(path).tables.flatMap(table => table.rows)

  it('renders every page without errors and without sideways scrolling on a phone', () => {
    expect(report.pages.map(p => p.heading)).toEqual(['Summary', 'Machines', 'Peers', 'Peer graph', 'Services', 'Files', 'DNS records', 'Ledger'])
    for (const view of report.pages) {
      expect(view.errors, view.path).toEqual([])
      expect(view.phoneOverflows, `/app/${view.path} wider than a phone`).toBe(false)
    }
  })

  it('shows the summary of node-1', () => {
    expect(page('').tiles.Machines).toBe('3')
    expect(Number(page('').tiles.OnChainNodes)).toBe(2)
  })

  it('lists the 3 machines with their host names and VPN addresses', () => {
    const shown = rows('machines').map(row => ({ peer: row.data.peer, hostname: row.cells[0], address: row.cells[1] }))
    expect(shown).toEqual(machines
      .map(m => ({ peer: m.PeerID, hostname: m.Hostname, address: m.Address }))
      .sort((a, b) => a.hostname.localeCompare(b.hostname)))
    expect(shown.map(m => m.address).sort()).toEqual([vpnAddress(0), vpnAddress(1), vpnAddress(2)])
  })

  it('shows both peers connected directly, on the peers page and in the graph', () => {
    const peers = rows('peers').filter(row => row.data.link !== 'none')
    expect(peers.map(row => row.data.peer).sort()).toEqual([peerIds[1], peerIds[2]].sort())
    for (const row of peers) {
      expect(row.data.link).toBe('direct')
      expect(row.cells[1]).toBe('direct')
    }
    const graph = page('graph')
    expect(graph.nodes).toContain('node node-self')
    const directEdges = graph.edges.filter(edge => edge.className === 'edge edge-direct').map(edge => edge.peer)
    expect(directEdges.sort()).toEqual([peerIds[1], peerIds[2]].sort())
  })

  it('shows the DNS record posted on node-2', () => {
    const record = rows('dns').find(row => row.data.regex === 'dash\\.mesh\\.')
    expect(record?.cells[1]).toBe('A 10.1.0.42')
  })

  it('can be used with the keyboard', () => {
    expect(report.tabStops).toEqual(['Skip to content', 'edgevpn', 'Summary'])
    expect(report.afterEnter).toBe('/app/machines')
  })

  it('shows a ledger write made on node-3 live, highlighted', async () => {
    await nextEvent('ledger-ready')
    const written = await labApiRequest(mesh!.lab, mesh!.hosts[2], 'PUT', '/api/ledger/dashboard/live-key/hello')
    expect(written.status).toBe(200)
    browser!.stdin!.write(JSON.stringify({ bucket: 'dashboard', key: 'live-key' }) + '\n')
    const ledger = await nextEvent('ledger') as unknown as LedgerReport
    console.log(`[e2e dashboard] node-3's write shown on node-1's ledger page after ${ledger.appearedAfterMs} ms`)
    expect(ledger.entry.cells.slice(0, 2)).toEqual(['live-key', 'hello'])
    expect(ledger.entry.className).toBe('changed')
    // heartbeats change too, so the count is at least this write
    expect(Number(/^(\d+) new or changed/.exec(ledger.status)?.[1])).toBeGreaterThanOrEqual(1)
  }, 60_000)
})
