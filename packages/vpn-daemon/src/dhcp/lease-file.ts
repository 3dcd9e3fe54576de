/**
 * The DHCP lease file of Go edgevpn: `<lease dir>/<MD5hex(crypto key + "-ek")>` holding the bare
 * address, with no mask and no newline, mode 0600. Go creates the directory with mode 0600, which
 * leaves it unsearchable for anyone but root; we create it 0700 (an existing directory is left as it is).
 */

import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import type { Ipv4Subnet } from './ipv4-subnet.js'
import type { Logger } from '@edgevpn/mesh-core'

/** Go's `--lease-dir` default, `$HOME/.edgevpn/leases`. */
export function defaultLeaseDir (): string {
  return join(homedir(), '.edgevpn', 'leases')
}

/**
 * The address in the lease file, taken verbatim (spec errata A16: no trimming). Content that is
 * not a host address of `subnet` is ignored with a warning, where Go would configure it as it is.
 *
 * @returns undefined when there is no usable lease
 */
export async function readLease (path: string, subnet: Ipv4Subnet, logger: Logger): Promise<string | undefined> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') logger.warn('cannot read the DHCP lease file, ignoring it', { file: path, error: err })
    return undefined
  }
  if (subnet.isHostText(text)) return text
  logger.warn('ignoring a DHCP lease that is no host address of the subnet', {
    file: path, content: text.length > 64 ? `${text.slice(0, 64)}…` : text, subnet: subnet.toString()
  })
  return undefined
}

/** Writes the lease (replacing the file atomically), creating the directory 0700 when missing. */
export async function writeLease (path: string, address: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 })
  const temporary = `${path}.${process.pid}.tmp`
  await writeFile(temporary, address, { mode: 0o600 })
  // the mode given to writeFile is filtered by the umask
  await chmod(temporary, 0o600)
  await rename(temporary, path)
}
