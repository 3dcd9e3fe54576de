/**
 * A mesh of real `edgevpn` daemons in network namespaces as the soak and fault tests run it:
 * every node gets its VPN address by DHCP (or `10.1.0.<n>`), keeps its identity, lease and
 * ledger (`--ledger-state`) in its own state directory so that it can be killed and restarted as
 * the same node, serves DNS on its namespace's 127.0.0.1:53 and its API on a unix socket that
 * this process reaches directly.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { encodeToken, generateNetworkConfig } from '@edgevpn/mesh-core'
import { createApiClient, UNIX_SOCKET_SCHEME } from '@edgevpn/api-client'
import { LabDaemon, unixApiRequest } from '../lab/lab-tools.js'
import { createNetnsLab } from '../lab/netns-lab.js'
import { sumMetric } from './prometheus-samples.js'
import type { ApiClient } from '@edgevpn/api-client'
import type { LabHost, NetnsLab } from '../lab/netns-lab.js'

export interface MeshLabInit {
  /** Prefix of the lab's namespaces and links, at most 8 characters (see `createNetnsLab`). */
  prefix: string
  nodes: number
  /** First three octets of the underlay /24. */
  subnet: string
  /** Where each node's state directory and API socket go; must exist. */
  stateDir: string
  /**
   * Seconds between ledger re-broadcasts; DHCP settles after twice this.
   *
   * @default 2
   */
  syncIntervalSeconds?: number
  /**
   * `dhcp`: every node leases its address over the ledger (`--dhcp`); `static`: node n gets
   * `10.1.0.<n>` (`--address`).
   *
   * @default 'dhcp'
   */
  addressing?: 'dhcp' | 'static'
  /** Receives every log line of every daemon. @default none */
  onLine?: (node: string, line: string) => void
  /** The daemons' `--log-level`. @default 'info' */
  logLevel?: 'debug' | 'info' | 'warn' | 'error'
  /**
   * The token's OTP period in seconds: topics, rendezvous and seal keys rotate this often.
   * @default 360 (a soak crosses several rotations; `edgevpn -g` makes 9000)
   */
  otpIntervalSeconds?: number
}

/** One host of the mesh and the daemon last started on it. */
export interface MeshNode {
  readonly index: number
  /** Host name of the daemon, e.g. `node-1`: it is also its DNS name `node-1.edgevpn.`. */
  readonly name: string
  readonly host: LabHost
  /** Identity, DHCP lease and ledger state of the node: they survive restarts. */
  readonly stateDir: string
  /** The API's unix socket. */
  readonly apiSocket: string
  /** The node's VPN address, once started. */
  address: string | undefined
  daemon: LabDaemon | undefined
}

/**
 * The libp2p port of every daemon (each in its own namespace): fixed, so that peers redial a
 * restarted node at the address they know.
 */
const LISTEN_PORT = 4001
/** How long a starting daemon may take to settle on its DHCP address and bring the VPN up. */
const START_TIMEOUT_MS = 120_000

export class MeshLab {
  readonly lab: NetnsLab
  readonly nodes: MeshNode[]
  readonly #token: string
  readonly #syncInterval: string
  readonly #dhcp: boolean
  readonly #onLine: MeshLabInit['onLine']
  readonly #logLevel: string
  readonly #clients = new Map<number, ApiClient>()
  readonly #running = new Set<LabDaemon>()

  private constructor (lab: NetnsLab, init: MeshLabInit) {
    this.lab = lab
    this.#token = encodeToken(generateNetworkConfig({ interval: BigInt(init.otpIntervalSeconds ?? 360) }))
    this.#syncInterval = String(init.syncIntervalSeconds ?? 2)
    this.#dhcp = (init.addressing ?? 'dhcp') === 'dhcp'
    this.#onLine = init.onLine
    this.#logLevel = init.logLevel ?? 'info'
    this.nodes = lab.hosts.map((host, index) => {
      const stateDir = join(init.stateDir, `node-${index + 1}`)
      mkdirSync(stateDir, { recursive: true })
      return { index, name: `node-${index + 1}`, host, stateDir, apiSocket: join(stateDir, 'api.sock'), address: undefined, daemon: undefined }
    })
  }

  static async create (init: MeshLabInit): Promise<MeshLab> {
    return new MeshLab(await createNetnsLab({ prefix: init.prefix, hosts: init.nodes, subnet: init.subnet }), init)
  }

  /** Starts every node at once and waits until each has its address and its VPN up. */
  async startAll (): Promise<string[]> {
    return await Promise.all(this.nodes.map(async node => await this.start(node.index)))
  }

  /**
   * Starts the daemon of node `index` (again, after a stop or kill, with the same state) and
   * resolves with its VPN address once the VPN is up and the API listens.
   */
  async start (index: number): Promise<string> {
    const node = this.nodes[index]
    if (node.daemon !== undefined && this.#running.has(node.daemon)) throw new Error(`${node.name} is still running`)
    const daemon = new LabDaemon(this.lab, node.host, {
      name: node.name,
      hostname: node.name,
      onLine: this.#onLine === undefined ? undefined : line => { this.#onLine?.(node.name, line) },
      args: ['--token', this.#token,
        '--listen-maddrs', `/ip4/${node.host.address}/tcp/${LISTEN_PORT}`, '--dht=false', '--log-level', this.#logLevel,
        ...(this.#dhcp ? ['--dhcp', '--lease-dir', node.stateDir] : ['--address', `${staticAddress(index)}/24`]),
        '--privkey-cache', '--privkey-cache-dir', node.stateDir,
        '--ledger-state', join(node.stateDir, 'ledger'), '--ledger-synchronization-interval', this.#syncInterval,
        '--api', '--api-listen', `${UNIX_SOCKET_SCHEME}${node.apiSocket}`,
        '--dns', '127.0.0.1:53', '--dns-forwarder=false']
    })
    node.daemon = daemon
    this.#running.add(daemon)
    void daemon.exited.then(() => this.#running.delete(daemon))
    const address = this.#dhcp
      ? String((await daemon.waitForLog(record => record.message === 'DHCP address allocated' || record.message === 'using the address of the DHCP lease', START_TIMEOUT_MS)).address)
      : staticAddress(index)
    await daemon.waitForLog(record => record.message === 'VPN started', START_TIMEOUT_MS)
    await daemon.waitForLog(record => record.message === 'API listening', START_TIMEOUT_MS)
    node.address = address
    return address
  }

  /** Whether the daemon last started on node `index` is still running. */
  running (index: number): boolean {
    const daemon = this.nodes[index].daemon
    return daemon !== undefined && this.#running.has(daemon)
  }

  /** `kill -9` of node `index`'s daemon. */
  async kill (index: number): Promise<void> {
    await this.nodes[index].daemon?.kill()
  }

  /** Go's API client for node `index`, over its unix socket. */
  api (index: number): ApiClient {
    let client = this.#clients.get(index)
    if (client === undefined) {
      client = createApiClient({ host: `${UNIX_SOCKET_SCHEME}${this.nodes[index].apiSocket}`, timeoutMs: 10_000 })
      this.#clients.set(index, client)
    }
    return client
  }

  /** The body of node `index`'s `GET /metrics` (Prometheus text). */
  async metrics (index: number): Promise<string> {
    return await getText(this.nodes[index].apiSocket, '/metrics')
  }

  /** Waits until every node is connected to at least `peers` others (its `edgevpn_peers_connected`). */
  async waitForConnections (peers: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs
    let failed = false
    // each node on its own, so that one slow API does not hold up looking at the others
    await Promise.all(this.nodes.map(async node => {
      while (!failed) {
        const body = await this.metrics(node.index).catch(() => '')
        if ((sumMetric(body, 'edgevpn_peers_connected') ?? 0) >= peers) return
        if (Date.now() > deadline) {
          failed = true
          throw new Error(`${node.name} is not connected to ${peers} others after ${timeoutMs / 1000} s`)
        }
        await new Promise(resolve => setTimeout(resolve, 1_000))
      }
    }))
  }

  /** Kills every daemon and process of the lab and removes its namespaces. */
  async destroy (): Promise<void> {
    await this.lab.destroy()
  }
}

/** Node `index`'s VPN address with `addressing: 'static'`. */
function staticAddress (index: number): string {
  return `10.1.0.${index + 1}`
}

/** A GET over a unix socket; rejects on a status other than 200 or after 10 s. */
async function getText (socketPath: string, path: string): Promise<string> {
  const response = await unixApiRequest(socketPath, 'GET', path)
  if (response.status !== 200) throw new Error(`GET ${path} on ${socketPath}: status ${response.status}`)
  return response.body
}
