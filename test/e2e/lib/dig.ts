import type { LabHost, NetnsLab } from '@edgevpn/testbed/lab'

/**
 * `dig @127.0.0.1 <name> <type> +short` inside a host (where a daemon's `--dns 127.0.0.1:53`
 * listens): the answers, empty when there are none or the server did not reply within 1 s.
 */
export async function dig (lab: NetnsLab, host: LabHost, name: string, type: string = 'A'): Promise<string[]> {
  const out = await lab.exec(host, 'dig', ['@127.0.0.1', name, type, '+short', '+time=1', '+tries=1']).catch(() => '')
  // On timeout dig prints ';; communications error' / ';; no servers could be reached' lines.
  return out.split('\n').map(line => line.trim()).filter(line => line !== '' && !line.startsWith(';'))
}
