/**
 * The role agent's command line, the one place its flags map to options: `edgevpn-role-agent`,
 * and `edgevpn role-agent` of the daemon's CLI (this port's own addition, not a Go command). It
 * runs the Kairos role client (Go's `service.Node` with Kairos' k3s roles) against a running
 * daemon's API, so a k3s cluster forms over the VPN without Kairos.
 */
import { apiTokenFlags, apiTokenFromFlags, createApiClient } from '@edgevpn/api-client'
import { flag, UsageError } from '@edgevpn/go-cli'
import type { Command } from '@edgevpn/go-cli'
import { createLogger, parseLogLevel } from '@edgevpn/mesh-core'
import { AUTO_ROLE, createK3sRoles, createRoleNode, loadOrCreateNodeUuid, parseRoleList } from '../index.js'

export const roleAgentCommand: Command = {
  name: 'role-agent',
  summary: 'assign and apply k3s roles (master/worker) over the ledger, as Kairos does',
  flags: [
    flag({ name: 'api-address', kind: 'string', env: 'EDGEVPN_API', default: 'unix:///run/edgevpn-kairos.sock', usage: 'the daemon API: http://host:port or unix:///path' }),
    ...apiTokenFlags,
    flag({ name: 'service-id', kind: 'string', default: 'kairos', usage: 'ledger bucket of the coordination (Kairos: the network ID)' }),
    flag({ name: 'uuid', kind: 'string', default: '', usage: 'this node\'s UUID (default: kept in <state-dir>/uuid)' }),
    flag({ name: 'state-dir', kind: 'string', default: '/var/lib/edgevpn/roles', usage: 'where applied roles are recorded' }),
    flag({ name: 'min-nodes', kind: 'int', default: 2, usage: 'nodes needed before roles are assigned' }),
    flag({ name: 'role', kind: 'string', default: '', usage: 'pin this node\'s roles (comma-separated) instead of taking them from the leader' }),
    flag({ name: 'poll-interval', kind: 'duration', default: 10_000, usage: 'pause between iterations' }),
    flag({ name: 'k3s-bin', kind: 'string', default: 'k3s', usage: 'the k3s executable' }),
    flag({ name: 'k3s-server-args', kind: 'strings', default: [], usage: 'extra arguments of k3s server' }),
    flag({ name: 'k3s-agent-args', kind: 'strings', default: [], usage: 'extra arguments of k3s agent' }),
    flag({ name: 'k3s-token-file', kind: 'string', default: '/var/lib/rancher/k3s/server/node-token', usage: 'where k3s server writes the node token' }),
    flag({ name: 'k3s-kubeconfig', kind: 'string', default: '/etc/rancher/k3s/k3s.yaml', usage: 'where k3s server writes the kubeconfig' }),
    flag({ name: 'flannel-iface', kind: 'string', default: 'edgevpn0', usage: 'the VPN interface k3s networking uses' }),
    flag({ name: 'log-level', kind: 'string', env: 'EDGEVPNLOGLEVEL', default: 'info', usage: 'debug, info, warn or error' })
  ],
  run: async ({ flags, stopped }) => {
    const level = parseLogLevel(flags.string('log-level'))
    if (level === undefined) throw new UsageError(`unknown --log-level ${JSON.stringify(flags.string('log-level'))}`)
    const minNodes = flags.int('min-nodes')
    if (minNodes < 1) throw new UsageError(`--min-nodes must be at least 1, got ${minNodes}`)
    const pollIntervalMs = flags.duration('poll-interval')
    if (pollIntervalMs <= 0) throw new UsageError('--poll-interval must be positive')
    const token = await apiTokenFromFlags(flags)

    const stateDir = flags.string('state-dir')
    const uuid = flags.string('uuid') === '' ? await loadOrCreateNodeUuid(stateDir) : flags.string('uuid')
    const node = createRoleNode({
      client: createApiClient({ host: flags.string('api-address'), token }),
      uuid,
      stateDir,
      serviceId: flags.string('service-id'),
      minNodes,
      pollIntervalMs,
      persistentRoles: [AUTO_ROLE],
      defaultRoles: parseRoleList(flags.string('role')),
      roles: createK3sRoles({
        k3sBinary: flags.string('k3s-bin'),
        serverArgs: flags.strings('k3s-server-args'),
        agentArgs: flags.strings('k3s-agent-args'),
        nodeTokenFile: flags.string('k3s-token-file'),
        kubeconfigFile: flags.string('k3s-kubeconfig'),
        flannelInterface: flags.string('flannel-iface'),
        minNodes
      }),
      logger: createLogger({ level }).child('roles')
    })
    node.start()
    await stopped
    await node.stop()
    return 0
  }
}
