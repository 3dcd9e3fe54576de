/**
 * wireguard-go (Debian, userspace WireGuard; this kernel has no WireGuard module): keys from
 * `wg genkey`, one peer each way over UDP 51820, configured with `wg setconf`, MTU 1420.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { waitFor } from '@edgevpn/testbed/lab/tools'
import { packageVersion } from '../lib/debian.js'
import { LabProcess } from '../lib/lab-process.js'
import type { Contender, Tunnel, TunnelSite } from './contender.js'

const PORT = 51820
const MTU = 1420
/** wireguard-go's control sockets live here for every namespace: device names must differ. */
const SOCKET_DIR = '/var/run/wireguard'

export const wireguardGo: Contender = {
  name: 'wireguard-go',
  commands: { 'wireguard-go': 'wireguard-go', wg: 'wireguard-tools' },
  describe: () => `wireguard-go ${packageVersion('wireguard-go')} (Go, UDP, Noise IK + ChaCha20-Poly1305, MTU ${MTU})`,
  setUp: async (site: TunnelSite): Promise<Tunnel> => {
    const key = (): { private: string, public: string } => {
      const privateKey = execFileSync('wg', ['genkey'], { encoding: 'utf8' }).trim()
      return { private: privateKey, public: execFileSync('wg', ['pubkey'], { input: privateKey, encoding: 'utf8' }).trim() }
    }
    const nodes = [
      { name: 'sender', host: site.sender, address: site.overlay.sender, device: `${site.devicePrefix}wg1`, key: key() },
      { name: 'receiver', host: site.receiver, address: site.overlay.receiver, device: `${site.devicePrefix}wg2`, key: key() }
    ]
    const confFile = (name: string): string => join(site.workDir, `${name}.conf`)
    for (const [i, node] of nodes.entries()) {
      const peer = nodes[1 - i]
      writeFileSync(confFile(node.name), [
        '[Interface]', `PrivateKey = ${node.key.private}`, `ListenPort = ${PORT}`, '',
        '[Peer]', `PublicKey = ${peer.key.public}`, `AllowedIPs = ${peer.address}/32`, `Endpoint = ${peer.host.address}:${PORT}`, ''
      ].join('\n'), { mode: 0o600 })
    }
    const socket = (device: string): string => join(SOCKET_DIR, `${device}.sock`)
    const daemons: LabProcess[] = []
    return {
      start: async () => {
        const [sender, receiver] = await Promise.all(nodes.map(async node => {
          rmSync(socket(node.device), { force: true }) // a stale one would look like a started daemon
          const daemon = new LabProcess(site.lab, node.host, {
            name: `wireguard-go ${node.name}`,
            command: 'wireguard-go',
            args: ['-f', node.device],
            logFile: join(site.workDir, `${node.name}.log`),
            env: { WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD: '1' }
          })
          daemons.push(daemon)
          await Promise.race([
            waitFor(`${node.device} control socket`, async () => existsSync(socket(node.device)) ? true : undefined, 10_000, 20),
            daemon.exited
          ])
          await site.lab.exec(node.host, 'wg', ['setconf', node.device, confFile(node.name)])
          await site.lab.exec(node.host, 'ip', ['addr', 'add', `${node.address}/${site.overlay.prefixLength}`, 'dev', node.device])
          await site.lab.exec(node.host, 'ip', ['link', 'set', node.device, 'up', 'mtu', String(MTU)])
          return daemon
        }))
        return { sender, receiver }
      },
      stop: async () => {
        await Promise.all(daemons.map(async daemon => { await daemon.stop() }))
        for (const node of nodes) rmSync(socket(node.device), { force: true })
      }
    }
  }
}
