/**
 * The packages as a library user gets them: every public package packed with `npm pack` and
 * installed with `npm install <tarballs>` into an empty project (the TUN addon from its prebuilt,
 * nothing compiled), where each README's example type-checks against the installed types and runs
 * with the pinned Node in a throwaway network namespace and mount namespace (so `/run` and
 * `/var/lib/edgevpn` are its own); the API client's and the role agent's examples talk to an
 * `edgevpn api` of the installed packages on the socket Kairos uses. Importing the data plane
 * loads none of the CLI, the API server or the role agent.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { encodeToken, generateNetworkConfig } from '@edgevpn/mesh-core'
import { createNetnsLab } from '@edgevpn/testbed/lab'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { e2eUnavailableReason } from './e2e/lib/test-mesh.js'
import type { NetnsLab } from '@edgevpn/testbed/lab'

const ROOT = fileURLToPath(new URL('../', import.meta.url))
const NODE = join(ROOT, 'node_modules', '.bin', 'node')
const readJson = (file: string): { version: string, private?: boolean } => JSON.parse(readFileSync(file, 'utf8'))
const published = readdirSync(join(ROOT, 'packages')).filter(dir => readJson(join(ROOT, 'packages', dir, 'package.json')).private !== true)

/** The first ```ts block of a package's README. */
function readmeExample (dir: string): string | undefined {
  return /```ts\n([\s\S]*?)```/.exec(readFileSync(join(ROOT, 'packages', dir, 'README.md'), 'utf8'))?.[1]
}
const examples = published.filter(dir => readmeExample(dir) !== undefined)

/** Examples that run until stopped: they pass when still running, error-free, after a few seconds. */
const LONG_RUNNING = new Set(['go-cli', 'kairos-agent', 'ledger', 'tun', 'vpn-daemon'])
/** What some examples print, as a sign they did their work. */
const PRINTS: Record<string, RegExp> = {
  'api-client': /"bar"/,
  'go-cli': /hello\nhello/,
  'go-compat': /\{"Name":"\\u003cweb\\u003e","Port":80\}/,
  'mesh-core': /^[0-9a-f]{32} [0-9a-f]{32} /
}
/** Examples that need a daemon's API on unix:///run/edgevpn-kairos.sock. */
const NEED_API = new Set(['api-client', 'kairos-agent'])

describe.skipIf(e2eUnavailableReason() !== undefined)('the packages installed from their tarballs into an empty project', () => {
  let work: string
  let project: string
  let lab: NetnsLab
  let installLog: string
  const token = encodeToken(generateNetworkConfig())

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'evt-library-'))
    project = join(work, 'project')
    mkdirSync(join(project, 'examples'), { recursive: true })
    const prebuild = spawnSync(process.execPath, [join(ROOT, 'packages', 'tun', 'scripts', 'build-prebuilds.js'), join(ROOT, 'packages', 'tun', 'prebuilds'), 'linux-x64'], { encoding: 'utf8' })
    expect(prebuild.status, prebuild.stderr).toBe(0)
    execFileSync('npm', ['pack', '--silent', '--pack-destination', work, ...published.flatMap(dir => ['--workspace', `packages/${dir}`])], { cwd: ROOT })
    const tarballs = readdirSync(work).filter(file => file.endsWith('.tgz')).map(file => join(work, file))
    expect(tarballs).toHaveLength(published.length)

    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'library-user', version: '1.0.0', private: true, type: 'module' }, null, 2))
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { target: 'es2022', module: 'nodenext', moduleResolution: 'nodenext', strict: true, noEmit: true, skipLibCheck: true, types: ['node'] },
      include: ['examples/*.ts']
    }, null, 2))
    const typesNode = readJson(join(ROOT, 'node_modules', '@types', 'node', 'package.json')).version
    const install = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--foreground-scripts', ...tarballs, `@types/node@${typesNode}`], { cwd: project, encoding: 'utf8' })
    installLog = install.stdout + install.stderr
    expect(install.status, installLog.slice(-3000)).toBe(0)
    for (const dir of examples) writeFileSync(join(project, 'examples', `${dir}.ts`), readmeExample(dir) ?? '')
    lab = await createNetnsLab({ prefix: 'evtlib', hosts: 1, subnet: '10.254.93' })
  }, 300_000)

  afterAll(async () => {
    await lab?.destroy()
    if (work !== undefined) rmSync(work, { recursive: true, force: true })
  })

  it('installs every public package; the TUN addon is the prebuilt one, nothing is compiled', () => {
    expect(readdirSync(join(project, 'node_modules', '@edgevpn')).sort()).toEqual(published.sort())
    expect(installLog).toContain(join(project, 'node_modules', '@edgevpn', 'tun', 'prebuilds', 'linux-x64', 'edgevpn_tun.node'))
    expect(installLog).not.toContain('compiling one')
  })

  it('type-checks every README example against the installed packages', () => {
    const check = spawnSync(NODE, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project], { encoding: 'utf8' })
    expect(check.stdout + check.stderr).toBe('')
    expect(check.status).toBe(0)
  }, 120_000)

  it.for(examples)('runs the README example of %s', { timeout: 90_000 }, async (dir) => {
    const api = NEED_API.has(dir)
      ? `node_modules/.bin/edgevpn api --listen unix:///run/edgevpn-kairos.sock --dht=false --log-level error & api=$!
         for i in $(seq 100); do [ -S /run/edgevpn-kairos.sock ] && break; sleep 0.1; done`
      : 'api='
    // its own /run and /var/lib/edgevpn, gone with the namespace
    const script = `set -e
      mount -t tmpfs tmpfs /run && mkdir -p /var/lib/edgevpn && mount -t tmpfs tmpfs /var/lib/edgevpn
      ${api}
      set +e
      timeout -s TERM ${LONG_RUNNING.has(dir) ? 6 : 60} ${NODE} examples/${dir}.ts --every 500ms
      status=$?
      [ -z "$api" ] || kill "$api"
      exit $status`
    const child = spawn('ip', ['netns', 'exec', lab.hosts[0].netns, 'unshare', '--mount', '--propagation', 'private', 'sh', '-c', script], {
      cwd: project, env: { PATH: process.env.PATH ?? '', HOME: work, EDGEVPNTOKEN: token }
    })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString() })
    child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString() })
    const status = await new Promise<number | null>(resolve => child.once('close', resolve))
    // 124: timeout stopped a long-running example that was still going
    expect({ status, output }).toMatchObject({ status: LONG_RUNNING.has(dir) ? 124 : 0 })
    expect(output).not.toMatch(/Error|error|Unhandled|warning: no TUN/)
    if (PRINTS[dir] !== undefined) expect(output).toMatch(PRINTS[dir])
  })

  it('imports the data plane without the CLI, the API server or the role agent', () => {
    const probe = `
      import { registerHooks } from 'node:module'
      const packages = new Set()
      registerHooks({ load (url, context, next) { const m = /node_modules\\/(@edgevpn\\/[^/]+)\\/(.*)/.exec(url); if (m) packages.add(m[1] + ' ' + m[2]); return next(url, context) } })
      await import('@edgevpn/vpn')
      console.log(JSON.stringify([...packages]))`
    const run = spawnSync(NODE, ['--input-type=module', '-e', probe], { cwd: project, encoding: 'utf8' })
    expect(run.status, run.stderr).toBe(0)
    const loaded = JSON.parse(run.stdout) as string[]
    const names = new Set(loaded.map(entry => entry.split(' ')[0]))
    expect([...names].sort()).toEqual(['@edgevpn/go-compat', '@edgevpn/ledger', '@edgevpn/mesh-core', '@edgevpn/tun', '@edgevpn/vpn'])
    expect(loaded.filter(entry => /\/(cli|api|roles)\//.test(entry))).toEqual([])
  }, 60_000)
})
