/**
 * What went wrong, as a stable machine-readable code:
 *
 * - `ENOTUN` - `/dev/net/tun` does not exist (no TUN driver, or the device node is not in this container)
 * - `ENOADDON` - the native addon is not built or does not load
 * - `EACCES` - no read/write permission on `/dev/net/tun`
 * - `EPERM` - the process lacks CAP_NET_ADMIN, needed to create or configure a TUN device
 * - `EBUSY` - the interface name belongs to a single-queue TUN device that another descriptor has open
 * - `EINVALIDNAME` - the interface name is empty, longer than 15 bytes or has characters Linux refuses
 * - `EINVALIDADDRESS` - an address is not a valid CIDR string of the expected IP version
 * - `EINVALIDOPTION` - another option is out of range
 * - `ECLOSED` - the device was used after `close()`
 * - `ESYSCALL` - any other failed system call; `errno` and `syscall` say which
 */
export type TunErrorCode =
  | 'ENOTUN'
  | 'ENOADDON'
  | 'EACCES'
  | 'EPERM'
  | 'EBUSY'
  | 'EINVALIDNAME'
  | 'EINVALIDADDRESS'
  | 'EINVALIDOPTION'
  | 'ECLOSED'
  | 'ESYSCALL'

export interface TunErrorOptions extends ErrorOptions {
  /** The system call that failed, e.g. `ioctl(TUNSETIFF)`. */
  syscall?: string
  /** The errno name the kernel returned, e.g. `EINVAL`. */
  errno?: string
}

/** Every failure of this package: a one-line message for humans and a `code` for programs. */
export class TunError extends Error {
  override readonly name = 'TunError'
  readonly code: TunErrorCode
  readonly syscall?: string
  readonly errno?: string

  constructor (code: TunErrorCode, message: string, options: TunErrorOptions = {}) {
    super(message, { cause: options.cause })
    this.code = code
    this.syscall = options.syscall
    this.errno = options.errno
  }
}

/** The errors the addon throws for failed system calls, shaped like Node's own. */
export interface SystemCallError extends Error {
  /** The errno name, e.g. `EPERM`. */
  code: string
  /** The failed call, e.g. `ioctl(TUNSETIFF)`. */
  syscall: string
}

function isSystemCallError (error: unknown): error is SystemCallError {
  return error instanceof Error && typeof (error as Partial<SystemCallError>).code === 'string' &&
    typeof (error as Partial<SystemCallError>).syscall === 'string'
}

const DEVICE_NODE_MISSING = new Set(['ENOENT', 'ENODEV', 'ENXIO'])

/** Explains a failed system call on the interface `name`. */
export function fromSystemCallError (error: SystemCallError, name: string): TunError {
  const options = { syscall: error.syscall, errno: error.code, cause: error }
  const opening = error.syscall === 'open(/dev/net/tun)'
  if (opening && DEVICE_NODE_MISSING.has(error.code)) {
    return new TunError('ENOTUN', '/dev/net/tun is missing: load the tun kernel module, or pass the device into the container (--device /dev/net/tun)', options)
  }
  if (opening && error.code === 'EACCES') {
    return new TunError('EACCES', 'no read/write permission on /dev/net/tun', options)
  }
  if (error.code === 'EPERM') {
    return new TunError('EPERM', `${error.syscall} on ${name} was refused: creating or configuring a TUN device needs CAP_NET_ADMIN`, options)
  }
  if (error.code === 'EBUSY' && error.syscall === 'ioctl(TUNSETIFF)') {
    return new TunError('EBUSY', `interface ${name} is in use: another descriptor is attached to this single-queue TUN device`, options)
  }
  const hint = error.code === 'EINVAL' && error.syscall === 'ioctl(TUNSETIFF)'
    ? ' (is it an existing non-TUN interface, or a TUN device with a different multi-queue setting?)'
    : ''
  return new TunError('ESYSCALL', `${error.message} on ${name}${hint}`, options)
}

/**
 * Turns a failed system call thrown by the addon into a {@link TunError}; anything else (argument
 * errors, which are the caller's bug) is returned unchanged.
 */
export function explainNativeError (error: unknown, name: string): unknown {
  return isSystemCallError(error) ? fromSystemCallError(error, name) : error
}
