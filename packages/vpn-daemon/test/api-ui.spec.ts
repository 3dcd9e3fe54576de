/**
 * The web dashboard's routes over real HTTP, as Go edgevpn's `api/spa_test.go` pins them
 * (spec §12.2 "UI routing"). Serves the real build of `@edgevpn/web-ui`: `npm run build` first.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { defaultUiDir } from '../src/api/ui-routes.js'
import { rawRequest, startApi, tempDir } from './api-helpers.js'
import type { ApiFixture, RawResponse } from './api-helpers.js'

/** The Accept header of a browser navigation, which must not turn an API 404 into HTML. */
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'

function expectIndex (response: RawResponse): void {
  expect(response.status).toBe(200)
  expect(response.headers['content-type']).toBe('text/html; charset=utf-8')
  expect(response.headers['cache-control']).toBe('no-cache')
  expect(response.body).toContain('<main id="main"')
}

function expectJson404 (response: RawResponse): void {
  expect(response.status).toBe(404)
  expect(response.headers['content-type']).toBe('application/json')
  expect(response.body).toBe('{"message":"Not Found"}\n')
}

describe('web dashboard routes', () => {
  const uiDir = defaultUiDir()
  let api: ApiFixture
  const get = async (path: string): Promise<RawResponse> =>
    await rawRequest(api.address, 'GET', path, { headers: { Accept: BROWSER_ACCEPT } })

  beforeAll(async () => {
    if (uiDir === undefined || !existsSync(join(uiDir, 'index.html'))) throw new Error(`web UI not built in ${uiDir}: run npm run build`)
    // no uiDir given: the server must find @edgevpn/web-ui by itself
    api = await startApi('off', '127.0.0.1:0')
  })

  afterAll(async () => {
    await api?.stop()
  })

  it('redirects / to /app', async () => {
    const response = await get('/')
    expect(response.status).toBe(301)
    expect(response.headers.location).toBe('/app')
  })

  it('answers index.html, uncached, at /app and at deep links', async () => {
    for (const path of ['/app', '/app/', '/app/machines', '/app/ledger/anything/deeper']) {
      expectIndex(await get(path))
    }
    expect((await get('/app')).body).toBe(readFileSync(join(uiDir!, 'index.html'), 'utf8'))
  })

  it('references its assets by absolute /assets/ URLs, so deep links load them', async () => {
    const index = (await get('/app/peers')).body
    expect(index).toMatch(/(src|href)="\/assets\/[^"]+\.js"/)
    expect(index).not.toContain('"./assets/')
  })

  it('serves every built asset with an immutable cache header and its type', async () => {
    const assets = readdirSync(join(uiDir!, 'assets'))
    expect(assets.some(name => name.endsWith('.js'))).toBe(true)
    for (const name of assets) {
      const response = await get(`/assets/${name}`)
      expect(response.status, name).toBe(200)
      expect(response.headers['cache-control']).toBe('public, max-age=31536000, immutable')
      expect(response.headers['content-type']).toBe(name.endsWith('.js') ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8')
      expect(response.body).toBe(readFileSync(join(uiDir!, 'assets', name), 'utf8'))
    }
    const icon = await get('/favicon.svg')
    expect(icon.status).toBe(200)
    expect(icon.headers['content-type']).toBe('image/svg+xml')
  })

  it('answers 404 for missing assets and for paths that leave the assets directory', async () => {
    for (const path of ['/assets/does-not-exist.js', '/assets/', '/assets/../index.html', '/assets/%2e%2e/index.html', '/assets/..%2Findex.html', '/assets/x.js/%00', '/assets/%00.js', `/assets/${'a'.repeat(300)}.js`]) {
      expectJson404(await get(path))
    }
  })

  it('never answers /api or /debug paths with the index, even unnormalised', async () => {
    for (const path of ['/api/nope', '/api/nested/nope', '/debug/nope', '//api/x', '/./api/x', '/app/../api/x', '/app/../debug/pprof/', '/app/%2e%2e/api/x', '//debug/nope']) {
      expectJson404(await get(path))
    }
  })

  it('still serves the index for lookalikes of the reserved prefixes', async () => {
    for (const path of ['/app/../apiary/nope', '/app/../apis', '/app/debugger/x']) {
      expectIndex(await get(path))
    }
  })

  it('answers 404 at the old UI paths and elsewhere, with no catch-all', async () => {
    for (const path of ['/index.html', '/js/alpine.min.js', '/some/client/route']) {
      expectJson404(await get(path))
    }
  })

  it('refuses other methods on the UI routes', async () => {
    const response = await rawRequest(api.address, 'POST', '/app/machines')
    expect(response.status).toBe(405)
    expect(response.headers.allow).toBe('GET')
  })
})

describe('web dashboard routes without a build', () => {
  const empty = tempDir()
  let api: ApiFixture

  beforeAll(async () => {
    api = await startApi('off', '127.0.0.1:0', { uiDir: empty.path })
  })

  afterAll(async () => {
    await api?.stop()
    empty.remove()
  })

  it('says the UI is not built at /app, and 404s its assets', async () => {
    for (const path of ['/app', '/app/peers']) {
      const response = await rawRequest(api.address, 'GET', path)
      expect(response.status).toBe(404)
      expect(response.headers['content-type']).toBe('text/plain; charset=utf-8')
      expect(response.body).toMatch(/^Web UI not built/)
    }
    expectJson404(await rawRequest(api.address, 'GET', '/assets/index.js'))
    expectJson404(await rawRequest(api.address, 'GET', '/favicon.svg'))
  })

  it('keeps serving the JSON API', async () => {
    expect((await rawRequest(api.address, 'GET', '/api/ledger')).body).toBe('{}\n')
  })
})
