/**
 * tinc 1.0 (Debian 1.0.36): router mode, each host connecting to the other, RSA keys made with
 * `tincd -K`, data over UDP 655, aes-256-cbc + sha256, MTU 1500. tinc runs `tinc-up` to give its
 * device the overlay address.
 */
import { execFile } from 'node:child_process'
import { chmodSync, copyFileSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { packageVersion } from '../lib/debian.js'
import { LabProcess } from '../lib/lab-process.js'
import type { Contender, Tunnel, TunnelSite } from './contender.js'

const run = promisify(execFile)
const PORT = 655

export const tinc: Contender = {
  name: 'tinc',
  commands: { tincd: 'tinc' },
  describe: () => `tinc ${packageVersion('tinc')} (C, UDP, router mode, RSA-2048 + aes-256-cbc/sha256, MTU 1500)`,
  setUp: async (site: TunnelSite): Promise<Tunnel> => {
    const nodes = [
      { name: 'sender', host: site.sender, address: site.overlay.sender, peer: 'receiver' },
      { name: 'receiver', host: site.receiver, address: site.overlay.receiver, peer: 'sender' }
    ]
    const confDir = (name: string): string => join(site.workDir, name)
    for (const node of nodes) {
      mkdirSync(join(confDir(node.name), 'hosts'), { recursive: true })
      writeFileSync(join(confDir(node.name), 'tinc.conf'), [
        `Name = ${node.name}`, `Interface = ${site.devicePrefix}tinc0`, 'Mode = router', 'AddressFamily = ipv4',
        `ConnectTo = ${node.peer}`, 'Cipher = aes-256-cbc', 'Digest = sha256', ''
      ].join('\n'))
      writeFileSync(join(confDir(node.name), 'hosts', node.name), [
        `Address = ${node.host.address}`, `Port = ${PORT}`, `Subnet = ${node.address}/32`, ''
      ].join('\n'))
      const up = join(confDir(node.name), 'tinc-up')
      writeFileSync(up, `#!/bin/sh\nip link set "$INTERFACE" up mtu 1500\nip addr add ${node.address}/${site.overlay.prefixLength} dev "$INTERFACE"\n`)
      chmodSync(up, 0o755)
      // Appends the public key to hosts/<name>, which the other host then needs as well.
      await run('tincd', ['-c', confDir(node.name), '-K', '2048'])
    }
    for (const node of nodes) copyFileSync(join(confDir(node.name), 'hosts', node.name), join(confDir(node.peer), 'hosts', node.name))

    const daemons: LabProcess[] = []
    return {
      start: async () => {
        const [sender, receiver] = nodes.map(node => new LabProcess(site.lab, node.host, {
          name: `tincd ${node.name}`,
          command: 'tincd',
          args: ['-c', confDir(node.name), '-D', '-d1', `--pidfile=${join(site.workDir, `${node.name}.pid`)}`],
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
