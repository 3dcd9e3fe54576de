import { loadBinding } from './native-binding.js'
import { explainNativeError } from './tun-error.js'

/** Linux levels and names of the integer socket options Node.js does not expose for TCP sockets. */
export const SOCKET_OPTION = {
  SOL_SOCKET: 1,
  /** Kernel send buffer (the kernel doubles the value asked for). */
  SO_SNDBUF: 7,
  SO_RCVBUF: 8,
  IPPROTO_TCP: 6,
  /** Unsent bytes above which the socket stops being writable. */
  TCP_NOTSENT_LOWAT: 25
} as const

/**
 * Sets an integer option on a socket file descriptor (e.g. a `net.Socket`'s, which Node.js
 * does not expose publicly) and returns the value the kernel then reports.
 *
 * @throws RangeError when an argument is not a 32-bit integer (a negative fd included)
 * @throws TunError `ESYSCALL` when the kernel refuses (e.g. EBADF, ENOTSOCK, ENOPROTOOPT)
 */
export function setSocketOption (fd: number, level: number, name: number, value: number): number {
  for (const [what, argument] of [['fd', fd], ['level', level], ['name', name], ['value', value]] as const) {
    if (!Number.isInteger(argument) || argument < -(2 ** 31) || argument >= 2 ** 31 || (what === 'fd' && argument < 0)) {
      throw new RangeError(`setSocketOption: ${what} must be a 32-bit integer${what === 'fd' ? ' of at least 0' : ''}, not ${argument}`)
    }
  }
  try {
    return loadBinding().setSocketOption(fd, level, name, value)
  } catch (error) {
    throw explainNativeError(error, `socket fd ${fd}`)
  }
}
