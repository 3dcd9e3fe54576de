import { accessSync, constants, readFileSync } from 'node:fs'
import { loadBinding } from './native-binding.js'
import { TunError } from './tun-error.js'

const CAP_NET_ADMIN = 12n

function hasNetAdmin (): boolean {
  const status = readFileSync('/proc/self/status', 'utf8')
  const effective = /^CapEff:\s*([0-9a-f]+)$/m.exec(status)?.[1]
  return effective !== undefined && ((BigInt(`0x${effective}`) >> CAP_NET_ADMIN) & 1n) === 1n
}

/**
 * Why this process cannot open TUN devices, or `undefined` when it should be able to. It creates
 * nothing: it checks the platform, `/dev/net/tun`, CAP_NET_ADMIN and the addon. Tests use it to skip
 * with a reason.
 */
export function tunUnavailableReason (): string | undefined {
  if (process.platform !== 'linux') return `TUN devices are only supported on Linux, not ${process.platform}`
  try {
    accessSync('/dev/net/tun', constants.R_OK | constants.W_OK)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    return code === 'ENOENT' ? '/dev/net/tun does not exist' : `no read/write access to /dev/net/tun (${code})`
  }
  if (!hasNetAdmin()) return 'the process lacks CAP_NET_ADMIN'
  try {
    loadBinding()
  } catch (error) {
    return error instanceof TunError ? error.message : String(error)
  }
  return undefined
}
