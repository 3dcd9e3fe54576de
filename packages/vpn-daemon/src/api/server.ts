import { createServer } from 'node:http'
import { createLogger } from '@edgevpn/mesh-core'
import type { Ledger } from '@edgevpn/ledger'
import type { Logger } from '@edgevpn/mesh-core'
import type { DnsRecords } from './dns-records.js'
import type { LedgerWriter } from './ledger-writer.js'
import type { Listening } from './listen.js'
import type { Metrics } from './metrics.js'
import type { NodeView } from './node-view.js'
import type { PrometheusSources } from './prometheus.js'
import type { RequestTarget } from './request-target.js'
import type { RouteResponse } from './router.js'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { addDnsRoutes } from './dns-routes.js'
import { HttpError } from './errors.js'
import { errorResponse, indentJson } from './json-response.js'
import { AnnouncingLedgerWriter } from './ledger-writer.js'
import { addLedgerRoutes } from './ledger-routes.js'
import { listen } from './listen.js'
import { addMeshRoutes } from './mesh-routes.js'
import { addMetricsRoutes } from './metrics-routes.js'
import { addObservabilityRoutes } from './observability-routes.js'
import { readBody } from './request-body.js'
import { parseRequestTarget } from './request-target.js'
import { Router } from './router.js'
import { ApiTokenAuth } from './token-auth.js'
import { addUiRoutes, defaultUiDir } from './ui-routes.js'

export interface ApiServerInit {
  /**
   * `host:port`, or `unix:///path/to.sock` for a unix socket (systemd socket activation
   * through `LISTEN_PID`/`LISTEN_FDS`, mode from `APILISTENUNIXMODE`).
   *
   * @default '127.0.0.1:8080'
   */
  listen?: string
  ledger: Ledger
  node: NodeView
  /**
   * How PUT and DELETE reach the ledger.
   *
   * @default new AnnouncingLedgerWriter({ ledger }), stopped with the server
   */
  writer?: LedgerWriter
  /** Backs `GET/POST /api/dns`; without it those routes are 404. */
  dns?: DnsRecords
  /** Backs `/api/metrics*`; without it those routes are 404, as in Go without a reporter. */
  metrics?: Metrics
  /**
   * Counters `GET /metrics` adds to the ledger and peer metrics it always has (not in Go).
   *
   * @default none
   */
  prometheus?: PrometheusSources
  /**
   * Directory of the built web dashboard (`index.html`, `assets/`), served at `/app`.
   *
   * @default the `dist` directory of the `@edgevpn/web-ui` package
   */
  uiDir?: string
  /** @default createLogger().child('api') */
  logger?: Logger
  /**
   * Where `LISTEN_PID`, `LISTEN_FDS` and `APILISTENUNIXMODE` are read.
   *
   * @default process.env
   */
  env?: NodeJS.ProcessEnv
  /**
   * A bearer token every request but `GET /healthz` must carry (`Authorization: Bearer`, or the
   * session cookie a browser gets by opening `/app?token=`); see {@link ApiTokenAuth}.
   *
   * @default undefined (open, as in Go)
   */
  token?: string
  /**
   * Largest accepted request body, in bytes; larger ones get a 413.
   *
   * @default 1048576
   */
  maxBodyBytes?: number
  /**
   * Time a client has to send the request headers, in ms.
   *
   * @default 10000
   */
  headersTimeoutMs?: number
  /**
   * Time a client has to send the whole request, in ms.
   *
   * @default 30000
   */
  requestTimeoutMs?: number
  /**
   * How long `stop()` waits for requests in flight before closing their connections, in ms.
   *
   * @default 10000
   */
  shutdownTimeoutMs?: number
}

export interface ApiServer {
  /** The bound address once started: `host:port`, `unix:///path` or `fd://3` (systemd). */
  readonly address: string | undefined
  /** @throws ApiListenError when the address cannot be used */
  start: () => Promise<void>
  /** Stops serving and removes the socket file it created. */
  stop: () => Promise<void>
}

/**
 * The HTTP API of Go edgevpn (`api/api.go`): the same routes, JSON bodies byte for byte as Go
 * writes them (followed by a newline; indented with `?pretty`), Echo's error bodies, plus
 * `GET /api/peers` with the peer table, `GET /metrics` (Prometheus), `GET /healthz`, and the web
 * dashboard of `@edgevpn/web-ui` at `/app`.
 *
 * @example
 *
 * ```ts
 * const api = createApiServer({ listen: 'unix:///run/edgevpn.sock', ledger, node })
 * await api.start()
 * // ...
 * await api.stop()
 * ```
 */
export function createApiServer (init: ApiServerInit): ApiServer {
  const logger = init.logger ?? createLogger().child('api')
  let writer: LedgerWriter
  let stopWriter = async (): Promise<void> => {}
  if (init.writer !== undefined) {
    writer = init.writer
  } else {
    const own = new AnnouncingLedgerWriter({ ledger: init.ledger, logger })
    writer = own
    stopWriter = async () => { await own.stop() }
  }
  const maxBodyBytes = init.maxBodyBytes ?? 1024 * 1024
  const headersTimeout = init.headersTimeoutMs ?? 10_000
  const requestTimeout = Math.max(init.requestTimeoutMs ?? 30_000, headersTimeout)
  const shutdownTimeoutMs = init.shutdownTimeoutMs ?? 10_000
  const auth = init.token === undefined ? undefined : new ApiTokenAuth(init.token)

  const router = new Router()
  router.add('GET', '/', () => ({ status: 301, location: '/app' }))
  addUiRoutes(router, init.uiDir ?? defaultUiDir())
  addMeshRoutes(router, { ledger: init.ledger, node: init.node })
  addLedgerRoutes(router, { ledger: init.ledger, writer })
  if (init.dns !== undefined) addDnsRoutes(router, init.dns)
  if (init.metrics !== undefined) addMetricsRoutes(router, init.metrics)
  addObservabilityRoutes(router, { ledger: init.ledger, node: init.node, prometheus: init.prometheus, auth })

  const route = async (request: IncomingMessage, method: string, path: string, target: RequestTarget): Promise<RouteResponse> => {
    // read (bounded) before routing, so that every route refuses oversized bodies alike
    const body = await readBody(request, maxBodyBytes)
    const match = router.match(method, target.segments)
    if (match.kind === 'found') return await match.handler({ path, params: match.params, query: target.query, headers: request.headers, body })
    if (match.kind === 'method-not-allowed') return { ...errorResponse(405, 'Method Not Allowed'), headers: { Allow: match.allowed.join(', ') } }
    return errorResponse(404, 'Not Found')
  }

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    let answer: RouteResponse
    let pretty = false
    try {
      const target = parseRequestTarget(request.url ?? '/')
      pretty = target.query.has('pretty')
      const method = request.method ?? 'GET'
      const path = `/${target.segments.join('/')}`
      // refused before the body is read: a client without the token costs no more than its headers
      answer = auth?.check({ method, path, query: target.query, headers: request.headers }) ?? await route(request, method, path, target)
    } catch (err) {
      if (err instanceof HttpError) {
        answer = errorResponse(err.status, err.message)
      } else {
        logger.error('API request failed', { method: request.method, path: pathOf(request.url), error: (err as Error).stack ?? String(err) })
        answer = errorResponse(500, 'Internal Server Error')
      }
    }
    send(response, answer, pretty)
  }

  const server = createServer({
    // Go's http.DefaultMaxHeaderBytes, not Node's 16 KiB: Kairos puts the master's kubeconfig in a PUT's URL
    maxHeaderSize: 1 << 20,
    headersTimeout,
    requestTimeout,
    // how often Node checks those timeouts
    connectionsCheckingInterval: Math.min(1_000, headersTimeout)
  }, (request, response) => {
    handle(request, response).catch((err: unknown) => {
      logger.error('API response failed', { path: pathOf(request.url), error: String(err) })
      response.destroy()
    })
  })

  let listening: Listening | undefined

  return {
    get address () {
      return listening?.address
    },

    async start () {
      if (listening !== undefined) return
      listening = await listen(server, init.listen ?? '127.0.0.1:8080', init.env ?? process.env)
      logger.info('API listening', { address: listening.address })
    },

    async stop () {
      if (listening !== undefined) {
        const closed = new Promise<void>(resolve => { server.close(() => { resolve() }) })
        const force = setTimeout(() => { server.closeAllConnections() }, shutdownTimeoutMs)
        await closed
        clearTimeout(force)
        listening.cleanup()
        listening = undefined
      }
      await stopWriter()
    }
  }
}

/** The path of a request target without its query, which may hold a `?token=`. */
function pathOf (url: string | undefined): string {
  return (url ?? '/').split('?', 1)[0]
}

function send (response: ServerResponse, answer: RouteResponse, pretty: boolean): void {
  if ('body' in answer) {
    response.writeHead(answer.status, { ...answer.headers, 'Content-Type': answer.contentType, 'Content-Length': answer.body.length }).end(answer.body)
    return
  }
  if ('text' in answer) {
    const body = Buffer.from(answer.text, 'utf8')
    response.writeHead(answer.status, { 'Content-Type': answer.contentType, 'Content-Length': body.length }).end(body)
    return
  }
  if ('location' in answer) {
    response.writeHead(answer.status, { Location: answer.location, 'Content-Length': 0 }).end()
    return
  }
  const body = Buffer.from((pretty ? indentJson(answer.json) : answer.json) + '\n', 'utf8')
  response.writeHead(answer.status, { ...answer.headers, 'Content-Type': 'application/json', 'Content-Length': body.length }).end(body)
}
