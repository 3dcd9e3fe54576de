import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createLogger } from '@edgevpn/mesh-core'
import { Ledger } from '@edgevpn/ledger'
import { formatRfc3339 } from '@edgevpn/go-compat'
import { createApiServer } from '../src/api/index.js'
import { createApiClient } from '@edgevpn/api-client'
import { createK3sRoles, createRoleNode } from '@edgevpn/kairos-agent'
import { newPeerId, testNode } from './api-helpers.js'
import type { ApiServer } from '../src/api/index.js'
import type { ApiClient } from '@edgevpn/api-client'
import type { RoleNode, RoleNodeInit } from '@edgevpn/kairos-agent'

/**
 * A stand-in for the k3s binary: appends its arguments (one call per line, space-separated)
 * to `$STANDIN_RECORD`; `server` also writes a node token made of `$STANDIN_NAME` and a
 * kubeconfig, where real k3s writes them.
 */
const STAND_IN_K3S = `#!/bin/sh
printf '%s\\n' "$*" >> "$STANDIN_RECORD"
if [ "$1" = server ]; then
  mkdir -p "$(dirname "$STANDIN_TOKEN_FILE")" "$(dirname "$STANDIN_KUBECONFIG")"
  printf 'K10%s::server:stand-in\\n' "$STANDIN_NAME" > "$STANDIN_TOKEN_FILE"
  printf 'apiVersion: v1\\nclusters: [{name: %s}]\\n' "$STANDIN_NAME" > "$STANDIN_KUBECONFIG"
fi
if [ -n "$STANDIN_FAIL" ]; then exit 3; fi
`

/** Writes the stand-in k3s into `dir` and returns its path. */
export function writeStandInK3s (dir: string): string {
  const path = join(dir, 'k3s-stand-in')
  writeFileSync(path, STAND_IN_K3S)
  chmodSync(path, 0o755)
  return path
}

/** The files one node's stand-in k3s writes, and how to read them. */
export interface StandInFiles {
  record: string
  tokenFile: string
  kubeconfig: string
  /** Every call of the stand-in so far, as argument lists. */
  calls: () => string[][]
  env: (name: string) => NodeJS.ProcessEnv
}

export function standInFiles (dir: string): StandInFiles {
  const files = { record: join(dir, 'k3s-calls'), tokenFile: join(dir, 'k3s', 'node-token'), kubeconfig: join(dir, 'k3s', 'k3s.yaml') }
  return {
    ...files,
    calls: () => existsSync(files.record) ? readFileSync(files.record, 'utf8').split('\n').filter(Boolean).map(line => line.split(' ')) : [],
    env: name => ({ ...process.env, STANDIN_RECORD: files.record, STANDIN_TOKEN_FILE: files.tokenFile, STANDIN_KUBECONFIG: files.kubeconfig, STANDIN_NAME: name })
  }
}

/** One simulated host: its own API (own NodeID) over the shared ledger, and a role node. */
export interface RoleHost {
  name: string
  peerId: string
  uuid: string
  vpnAddress: string
  stateDir: string
  k3s: StandInFiles
  client: ApiClient
  server: ApiServer
  roles: RoleNode
  /** Replaces the role node with a fresh one over the same state directory (an agent restart). */
  restartRoles: () => void
}

export interface RoleCluster {
  ledger: Ledger
  hosts: RoleHost[]
  /** The shared wall clock; tests move it forward. */
  clock: { now: number }
  /** A healthcheck heartbeat, at the current clock, for each host. */
  beat: (hosts?: RoleHost[]) => Promise<void>
  /** One iteration of each host's role node, in order. */
  tickAll: (hosts?: RoleHost[]) => Promise<void>
  stop: () => Promise<void>
}

/**
 * `count` hosts sharing one real ledger, each with its own API server and client, its machine
 * entry (VPN address 10.1.0.<n>), and a role node running the k3s roles with the stand-in.
 */
export async function startRoleCluster (count: number, options: Partial<RoleNodeInit> & { env?: (host: string) => NodeJS.ProcessEnv } = {}): Promise<RoleCluster> {
  const { env, ...nodeOptions } = options
  const root = mkdtempSync(join(tmpdir(), 'evt-roles-'))
  const binary = writeStandInK3s(root)
  const ledger = new Ledger({ mode: 'off', warn: () => {} })
  const clock = { now: Date.now() }
  const logger = createLogger({ level: 'error' })
  const hosts: RoleHost[] = []
  for (let i = 1; i <= count; i++) {
    const name = `host-${i}`
    const { id: peerId } = await newPeerId()
    const server = createApiServer({ listen: `unix://${join(root, `${name}.sock`)}`, ledger, node: testNode(peerId), logger })
    await server.start()
    const vpnAddress = `10.1.0.${i}`
    await ledger.put('machines', vpnAddress, { PeerID: peerId, Hostname: name, OS: 'linux', Arch: 'amd64', Address: vpnAddress, Version: 'test' })
    const k3s = standInFiles(join(root, name))
    const client = createApiClient({ host: server.address as string })
    const stateDir = join(root, name, 'state')
    const newRoles = (): RoleNode => createRoleNode({
      client,
      uuid: `uuid-${name}`,
      stateDir,
      persistentRoles: ['auto'],
      roles: createK3sRoles({ k3sBinary: binary, nodeTokenFile: k3s.tokenFile, kubeconfigFile: k3s.kubeconfig, env: env?.(name) ?? k3s.env(name), startGraceMs: 5000 }),
      clock: () => clock.now,
      logger,
      ...nodeOptions
    })
    const host: RoleHost = {
      name, peerId, uuid: `uuid-${name}`, vpnAddress, stateDir, k3s, client, server,
      roles: newRoles(),
      restartRoles: () => { host.roles = newRoles() }
    }
    hosts.push(host)
  }
  const cluster: RoleCluster = {
    ledger,
    hosts,
    clock,
    beat: async (which = hosts) => {
      for (const host of which) await ledger.put('healthcheck', host.peerId, formatRfc3339(clock.now))
    },
    tickAll: async (which = hosts) => {
      for (const host of which) await host.roles.tick()
    },
    stop: async () => {
      for (const host of hosts) {
        await host.roles.stop()
        await host.server.stop()
      }
      rmSync(root, { recursive: true, force: true })
    }
  }
  await cluster.beat()
  return cluster
}

/** Ticks until `done` holds, at most `rounds` times; API writes land asynchronously. */
export async function tickUntil (cluster: RoleCluster, done: () => boolean | Promise<boolean>, rounds: number = 20, hosts?: RoleHost[]): Promise<void> {
  for (let round = 0; round < rounds; round++) {
    if (await done()) return
    await cluster.tickAll(hosts)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  if (!await done()) throw new Error(`not converged after ${rounds} rounds`)
}
