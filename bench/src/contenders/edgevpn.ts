/**
 * This project: one `edgevpn` daemon per host with a fresh network token, static overlay
 * addresses, peers found by mDNS on the bridge (no DHT). `EDGEVPN_ARGS` adds daemon flags (e.g.
 * `--tun-offload=false`) and `EDGEVPN_NODE_OPTIONS` Node options (e.g. `--cpu-prof`), each split
 * on spaces, to compare data-plane variants with the same harness.
 */
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { encodeToken, generateNetworkConfig } from '@edgevpn/mesh-core'
import { EDGEVPN_CLI } from '@edgevpn/testbed/lab/tools'
import { LabProcess } from '../lib/lab-process.js'
import type { Contender, Tunnel, TunnelSite } from './contender.js'

const nodeOptions = splitArgs(process.env.EDGEVPN_NODE_OPTIONS)
const extraArgs = splitArgs(process.env.EDGEVPN_ARGS)

export const edgevpn: Contender = {
  name: 'edgevpn',
  commands: {},
  describe: () => {
    const { version } = JSON.parse(readFileSync(join(dirname(EDGEVPN_CLI), '..', '..', 'package.json'), 'utf8')) as { version: string }
    const variant = [...nodeOptions, ...extraArgs].join(' ')
    return `edgevpn-ts ${version} (Node ${process.version}; packets on the fast channel: AES-256-GCM records on TCP, carried by the TUN addon's threads; libp2p TCP + Noise + Yamux for the rest${variant === '' ? '' : `; ${variant}`})`
  },
  setUp: async (site: TunnelSite): Promise<Tunnel> => {
    const token = encodeToken(generateNetworkConfig({ interval: 360n }))
    const nodes = [
      { name: 'sender', host: site.sender, address: site.overlay.sender },
      { name: 'receiver', host: site.receiver, address: site.overlay.receiver }
    ]
    const daemons: LabProcess[] = []
    return {
      start: async () => {
        const [sender, receiver] = nodes.map(node => new LabProcess(site.lab, node.host, {
          name: `edgevpn ${node.name}`,
          command: process.execPath,
          args: [...nodeOptions, EDGEVPN_CLI, '--token', token, '--address', `${node.address}/${site.overlay.prefixLength}`,
            '--interface', `${site.devicePrefix}ev0`, '--dht=false', '--listen-maddrs', `/ip4/${node.host.address}/tcp/0`,
            '--log-level', 'warn', ...extraArgs],
          logFile: join(site.workDir, `${node.name}.log`)
        }))
        daemons.push(sender, receiver)
        return { sender, receiver }
      },
      stop: async () => {
        await Promise.all(daemons.map(async daemon => { await daemon.stop() }))
      }
    }
  }
}

function splitArgs (text: string | undefined): string[] {
  return (text ?? '').split(' ').filter(arg => arg !== '')
}
