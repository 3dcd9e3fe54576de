/**
 * nebula (Debian 1.6.1): a CA and one certificate per host made with `nebula-cert`, the sender
 * is also the lighthouse, UDP 4242, cipher AES, the Debian default MTU 1300.
 */
import { execFile } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { packageVersion } from '../lib/debian.js'
import { LabProcess } from '../lib/lab-process.js'
import type { Contender, Tunnel, TunnelSite } from './contender.js'

const run = promisify(execFile)
const PORT = 4242
const MTU = 1300

export const nebula: Contender = {
  name: 'nebula',
  commands: { nebula: 'nebula', 'nebula-cert': 'nebula' },
  describe: () => `nebula ${packageVersion('nebula')} (Go, UDP, Noise IX + AES-256-GCM, MTU ${MTU}; lighthouse on the sender)`,
  setUp: async (site: TunnelSite): Promise<Tunnel> => {
    const file = (name: string): string => join(site.workDir, name)
    const { overlay } = site
    await run('nebula-cert', ['ca', '-name', 'bench-ca', '-out-crt', file('ca.crt'), '-out-key', file('ca.key')])
    const hosts = [
      { role: 'sender', host: site.sender, address: overlay.sender, lighthouse: true },
      { role: 'receiver', host: site.receiver, address: overlay.receiver, lighthouse: false }
    ]
    for (const { role, address, lighthouse } of hosts) {
      await run('nebula-cert', ['sign', '-ca-crt', file('ca.crt'), '-ca-key', file('ca.key'), '-name', role,
        '-ip', `${address}/${overlay.prefixLength}`, '-out-crt', file(`${role}.crt`), '-out-key', file(`${role}.key`)])
      // JSON is YAML: no hand-written YAML needed.
      writeFileSync(file(`${role}.yml`), JSON.stringify({
        pki: { ca: file('ca.crt'), cert: file(`${role}.crt`), key: file(`${role}.key`) },
        static_host_map: { [overlay.sender]: [`${site.sender.address}:${PORT}`] },
        lighthouse: { am_lighthouse: lighthouse, interval: 60, hosts: lighthouse ? [] : [overlay.sender] },
        listen: { host: '0.0.0.0', port: PORT },
        punchy: { punch: true },
        cipher: 'aes',
        tun: { disabled: false, dev: `${site.devicePrefix}neb0`, drop_local_broadcast: false, drop_multicast: false, tx_queue: 500, mtu: MTU },
        logging: { level: 'info', format: 'text' },
        firewall: {
          outbound: [{ port: 'any', proto: 'any', host: 'any' }],
          inbound: [{ port: 'any', proto: 'any', host: 'any' }]
        }
      }, null, 2))
    }
    const daemons: LabProcess[] = []
    return {
      start: async () => {
        const [sender, receiver] = hosts.map(({ role, host }) => new LabProcess(site.lab, host, {
          name: `nebula ${role}`, command: 'nebula', args: ['-config', file(`${role}.yml`)], logFile: file(`${role}.log`)
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
