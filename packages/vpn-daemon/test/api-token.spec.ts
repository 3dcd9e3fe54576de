/**
 * API access control (docs/security.md): with `--api-token` every route but `/healthz` needs the
 * bearer token or the browser session cookie; without it the API is open, as in Go. Daemon mode
 * (the shipped systemd unit) puts the API on a unix socket with mode 0600.
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { apiOptionsFromFlags } from '../src/cli/feature-flags.js'
import { waitFor } from '@edgevpn/testbed'
import { createApiClient, createServiceClient, ApiClientError } from '@edgevpn/api-client'
import { apiAccessFlags } from '../src/cli/common-flags.js'
import { parseFlags, UsageError } from '@edgevpn/go-cli'
import { rawRequest, startApi, tempDir } from './api-helpers.js'
import type { ApiFixture } from './api-helpers.js'
import type { ChildProcess } from 'node:child_process'

const TOKEN = 'tok-7f3a9c1e5b2d4e6f8a0b'

describe('API with a bearer token', () => {
  let api: ApiFixture

  beforeAll(async () => {
    api = await startApi('off', '127.0.0.1:0', { token: TOKEN })
  })

  afterAll(async () => {
    await api?.stop()
  })

  it('refuses requests without the token, or with a wrong one, with a 401 JSON error', async () => {
    const attempts: Array<Record<string, string>> = [{}, { Authorization: 'Bearer wrong' }, { Authorization: `Bearer ${TOKEN}x` }, { Authorization: TOKEN }]
    for (const headers of attempts) {
      const response = await rawRequest(api.address, 'GET', '/api/ledger', { headers })
      expect(response.status, JSON.stringify(headers)).toBe(401)
      expect(response.body).toBe('{"message":"Unauthorized"}\n')
      expect(response.headers['www-authenticate']).toMatch(/^Bearer/)
    }
  })

  it('refuses writes without the token and leaves the ledger alone', async () => {
    const response = await rawRequest(api.address, 'PUT', '/api/ledger/b/k/v')
    expect(response.status).toBe(401)
    await new Promise(resolve => setTimeout(resolve, 300))
    expect(api.ledger.list('b').size).toBe(0)
  })

  it('serves requests that carry the token', async () => {
    const response = await rawRequest(api.address, 'GET', '/api/ledger', { headers: { Authorization: `Bearer ${TOKEN}` } })
    expect(response.status).toBe(200)
  })

  it('answers /healthz without the token', async () => {
    expect((await rawRequest(api.address, 'GET', '/healthz')).status).toBe(200)
  })

  it('gives the Go-compatible clients an option to send it', async () => {
    const client = createApiClient({ host: `http://${api.address}`, token: TOKEN })
    await client.put('roles', 'k', 'v')
    expect(await createServiceClient({ client }).activeNodes()).toEqual([])
    await expect(createApiClient({ host: `http://${api.address}` }).getBuckets()).rejects.toThrow(ApiClientError)
    await expect(createApiClient({ host: `http://${api.address}` }).getBuckets()).rejects.toThrow(/Unauthorized/)
  })

  it('lets a browser trade ?token= on a dashboard page for an HttpOnly session cookie', async () => {
    expect((await rawRequest(api.address, 'GET', '/app?token=wrong')).status).toBe(401)
    const login = await rawRequest(api.address, 'GET', `/app/peers?pretty&token=${TOKEN}`)
    expect(login.status).toBe(303)
    expect(login.headers.location).toBe('/app/peers?pretty=')
    const cookie = String(login.headers['set-cookie'])
    expect(cookie).toMatch(/HttpOnly/)
    expect(cookie).toMatch(/SameSite=Strict/)
    expect(cookie).not.toContain(TOKEN)
    const session = cookie.split(';')[0]
    expect((await rawRequest(api.address, 'GET', '/api/summary', { headers: { Cookie: `other=1; ${session}` } })).status).toBe(200)
    expect((await rawRequest(api.address, 'GET', '/api/summary', { headers: { Cookie: `${session}x` } })).status).toBe(401)
    // the token only opens a session on dashboard pages, not on API routes
    expect((await rawRequest(api.address, 'GET', `/api/summary?token=${TOKEN}`)).status).toBe(401)
  })

  it('counts refused requests in /metrics, which itself needs the token', async () => {
    const refused = async (): Promise<number> => {
      const { status, body } = await rawRequest(api.address, 'GET', '/metrics', { headers: { Authorization: `Bearer ${TOKEN}` } })
      expect(status).toBe(200)
      return Number(/^edgevpn_api_refused_requests_total (\d+)$/m.exec(body)?.[1])
    }
    const before = await refused()
    expect((await rawRequest(api.address, 'GET', '/metrics')).status).toBe(401)
    expect((await rawRequest(api.address, 'GET', '/api/ledger', { headers: { Authorization: 'Bearer wrong' } })).status).toBe(401)
    expect((await rawRequest(api.address, 'GET', '/app?token=wrong')).status).toBe(401)
    // neither the public /healthz nor a request with the token counts
    expect((await rawRequest(api.address, 'GET', '/healthz')).status).toBe(200)
    expect(await refused()).toBe(before + 3)
  })

  it('never logs the token', () => {
    expect(api.logs.join('\n')).not.toContain(TOKEN)
  })
})

describe('API without a token', () => {
  it('stays open, as Go\'s is', async () => {
    const api = await startApi('off', '127.0.0.1:0')
    try {
      expect((await rawRequest(api.address, 'GET', '/api/ledger')).status).toBe(200)
    } finally {
      await api.stop()
    }
  })
})

describe('API token flags', () => {
  const options = async (argv: string[], env: NodeJS.ProcessEnv = {}): ReturnType<typeof apiOptionsFromFlags> =>
    await apiOptionsFromFlags(parseFlags(argv, apiAccessFlags, { env }).flags, '127.0.0.1:0')

  it('reads the token from --api-token or a file, and refuses both at once', async () => {
    const dir = tempDir()
    try {
      const file = join(dir.path, 'token')
      writeFileSync(file, `${TOKEN}\n`, { mode: 0o600 })
      expect((await options(['--api-token', TOKEN])).token).toBe(TOKEN)
      expect((await options(['--api-token-file', file])).token).toBe(TOKEN)
      expect((await options([])).token).toBeUndefined()
      await expect(options(['--api-token', TOKEN, '--api-token-file', file])).rejects.toThrow(UsageError)
      await expect(options(['--api-token-file', join(dir.path, 'missing')])).rejects.toThrow(/ENOENT/)
      writeFileSync(file, '\n')
      await expect(options(['--api-token-file', file])).rejects.toThrow(/is empty/)
      await expect(options(['--api-max-body-size', '0'])).rejects.toThrow(/positive/)
      expect((await options([], { EDGEVPNAPITOKEN: TOKEN })).token).toBe(TOKEN)
    } finally {
      dir.remove()
    }
  })

  it('refuses a token given empty, which would leave the API open, or one a header cannot carry', async () => {
    await expect(options(['--api-token', ''])).rejects.toThrow('--api-token: the API token is empty')
    await expect(options([], { EDGEVPNAPITOKEN: '' })).rejects.toThrow('--api-token: the API token is empty')
    await expect(options(['--api-token', 'two words'])).rejects.toThrow(/^--api-token: the API token must be printable ASCII/)
  })
})

describe('role-agent against an API with a token', () => {
  const EDGEVPN = fileURLToPath(new URL('../dist/cli/edgevpn.js', import.meta.url))
  let api: ApiFixture
  let dir: ReturnType<typeof tempDir>
  const agents: ChildProcess[] = []

  beforeAll(async () => {
    api = await startApi('off', '127.0.0.1:0', { token: TOKEN })
    dir = tempDir()
  })

  afterEach(async () => {
    await Promise.all(agents.splice(0).map(async child => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM')
        await once(child, 'exit')
      }
    }))
  })

  afterAll(async () => {
    await api?.stop()
    dir?.remove()
  })

  /** Starts the built `edgevpn role-agent` on the API as node `uuid`, with a clean environment; `log` gathers its stderr. */
  function roleAgent (uuid: string, args: string[], env: Record<string, string> = {}): { child: ChildProcess, log: () => string } {
    const child = spawn(process.execPath, [EDGEVPN, 'role-agent', '--api-address', `http://${api.address}`, '--uuid', uuid,
      '--state-dir', join(dir.path, uuid), '--poll-interval', '500ms', '--k3s-bin', '/bin/false', ...args],
    { env: { PATH: process.env.PATH ?? '', HOME: dir.path, ...env }, stdio: ['ignore', 'ignore', 'pipe'] })
    agents.push(child)
    let text = ''
    child.stderr?.on('data', (chunk: Buffer) => { text += chunk.toString('utf8') })
    return { child, log: () => text }
  }

  /** Whether node `uuid` advertized itself in the coordination bucket. */
  const advertized = (uuid: string): boolean => api.ledger.list('kairos').has(`${uuid}-uuid`)

  it('advertizes the node with --api-token, --api-token-file or EDGEVPNAPITOKEN', async () => {
    const file = join(dir.path, 'api-token')
    writeFileSync(file, `${TOKEN}\n`, { mode: 0o600 })
    const runs = [
      roleAgent('by-flag', ['--api-token', TOKEN]),
      roleAgent('by-file', ['--api-token-file', file]),
      roleAgent('by-variable', [], { EDGEVPNAPITOKEN: TOKEN })
    ]
    for (const uuid of ['by-flag', 'by-file', 'by-variable']) await waitFor(`${uuid} advertized`, async () => advertized(uuid) || undefined, 30_000)
    for (const { log } of runs) {
      expect(log()).not.toContain('401')
      expect(log()).not.toContain(TOKEN)
    }
  }, 60_000)

  it('reports the 401 without the token, and writes nothing', async () => {
    const { log } = roleAgent('no-token', [])
    await waitFor('the refusal logged', async () => /HTTP 401.*Unauthorized/.test(log()) || undefined, 30_000)
    expect(advertized('no-token')).toBe(false)
  }, 60_000)

  it('exits at once with one line naming a bad token flag', async () => {
    const cases: Array<[string[], Record<string, string>, string]> = [
      [['--api-token', ''], {}, 'edgevpn: --api-token: the API token is empty\n'],
      [[], { EDGEVPNAPITOKEN: '' }, 'edgevpn: --api-token: the API token is empty\n'],
      [['--api-token-file', join(dir.path, 'missing')], {}, `edgevpn: --api-token-file ${join(dir.path, 'missing')}: ENOENT\n`],
      [['--api-token', TOKEN, '--api-token-file', join(dir.path, 'missing')], {}, 'edgevpn: give the API token with --api-token or --api-token-file, not both\n']
    ]
    for (const [args, env, message] of cases) {
      const { child, log } = roleAgent('bad-flags', args, env)
      // 'close': after stderr is read to its end
      const [code] = await once(child, 'close') as [number | null]
      expect(code, args.join(' ')).toBe(1)
      expect(log()).toBe(message)
    }
    expect(advertized('bad-flags')).toBe(false)
  })
})

describe('daemon mode', () => {
  it('the systemd unit puts the API on a unix socket with mode 0600 unless the env file says otherwise', () => {
    const unit = readFileSync(fileURLToPath(new URL('../systemd/edgevpn@.service', import.meta.url)), 'utf8')
    const environment = unit.split('\n').filter(line => line.startsWith('Environment=')).flatMap(line => line.slice('Environment='.length).split(' '))
    expect(environment).toContain('APILISTEN=unix:///run/edgevpn-%i.sock')
    expect(environment).toContain('APILISTENUNIXMODE=0600')
    // systemd reads EnvironmentFile= after Environment=, so the user's file wins
    expect(unit.indexOf('EnvironmentFile=')).toBeGreaterThan(unit.indexOf('Environment=APILISTEN'))
  })

  it('creates that socket with mode 0600', async () => {
    const dir = tempDir()
    const api = await startApi('off', `unix://${join(dir.path, 'api.sock')}`, { env: { APILISTENUNIXMODE: '0600' } })
    try {
      expect(statSync(join(dir.path, 'api.sock')).mode & 0o777).toBe(0o600)
    } finally {
      await api.stop()
      dir.remove()
    }
  })
})
