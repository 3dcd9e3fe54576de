import { readFile } from 'node:fs/promises'
import { dirname, extname, join, posix, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { errorResponse } from './json-response.js'
import { textResponse } from './text-response.js'
import type { FileResponse } from './file-response.js'
import type { ApiResponse } from './json-response.js'
import type { RouteContext, Router } from './router.js'
import type { TextResponse } from './text-response.js'

/** Vite names assets after their content hash, so a cached copy can never go stale. */
const IMMUTABLE = 'public, max-age=31536000, immutable'

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.map': 'application/json'
}

/** Paths that name the API or the debug endpoints once normalised, and so never get the index page. */
const RESERVED = ['/api', '/debug']

/**
 * The directory of the built `@edgevpn/web-ui` package, or `undefined` when it is not installed.
 */
export function defaultUiDir (): string | undefined {
  try {
    return join(dirname(fileURLToPath(import.meta.resolve('@edgevpn/web-ui/package.json'))), 'dist')
  } catch {
    return undefined
  }
}

/**
 * The web dashboard, routed as Go edgevpn routes its UI (`api/spa.go`): `/app` and `/app/*`
 * answer `index.html` uncached (the client routes), `/assets/*` the bundle with an immutable
 * cache header, `/favicon.svg` the icon. No fallback elsewhere, so old UI paths such as
 * `/index.html` are 404. Files are read per request, so a rebuild needs no restart; without a
 * build `/app` says so in a 404.
 */
export function addUiRoutes (router: Router, uiDir: string | undefined): void {
  const serveIndex = async ({ path }: RouteContext): Promise<FileResponse | TextResponse | ApiResponse> => {
    // '/app/../api/x' reaches this route yet names the API: a client expecting JSON must not get HTML
    if (isReserved(path)) return errorResponse(404, 'Not Found')
    const index = uiDir === undefined ? undefined : await readOptional(join(uiDir, 'index.html'))
    if (index === undefined) return textResponse(404, 'Web UI not built: run `npm run build` (it builds packages/web-ui).\n')
    return { status: 200, body: index, contentType: 'text/html; charset=utf-8', headers: { 'Cache-Control': 'no-cache' } }
  }

  router
    .add('GET', '/app', serveIndex)
    .add('GET', '/app/*', serveIndex)
    .add('GET', '/assets/*', async ({ params }) => {
      const file = uiDir === undefined ? undefined : await readBelow(join(uiDir, 'assets'), params['*'])
      if (file === undefined) return errorResponse(404, 'Not Found')
      return { status: 200, body: file, contentType: contentType(params['*']), headers: { 'Cache-Control': IMMUTABLE } }
    })
    .add('GET', '/favicon.svg', async () => {
      const icon = uiDir === undefined ? undefined : await readOptional(join(uiDir, 'favicon.svg'))
      return icon === undefined ? errorResponse(404, 'Not Found') : { status: 200, body: icon, contentType: 'image/svg+xml' }
    })
}

/** Whether a path, normalised (`//`, `.` and `..` resolved), is a reserved prefix or lies under one. */
function isReserved (path: string): boolean {
  const normalised = posix.normalize(path)
  return RESERVED.some(base => normalised === base || normalised.startsWith(`${base}/`))
}

function contentType (name: string): string {
  return CONTENT_TYPES[extname(name).toLowerCase()] ?? 'application/octet-stream'
}

/**
 * The file `name` inside `dir`, or `undefined` when it is missing or would lie outside `dir`. A NUL
 * (`%00` in the URL) can name no file, and Node throws on it instead of reporting a missing one.
 */
async function readBelow (dir: string, name: string): Promise<Uint8Array | undefined> {
  const file = join(dir, name)
  return file.startsWith(dir + sep) && !name.includes('\0') ? await readOptional(file) : undefined
}

async function readOptional (file: string): Promise<Uint8Array | undefined> {
  try {
    return await readFile(file)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR' || code === 'ENAMETOOLONG') return undefined
    throw err
  }
}
