/**
 * Who holds a local port: the process behind a socket bound to it, read from `/proc` (Linux), so
 * an "address in use" error can say what is in the way. Sockets of other network namespaces and,
 * without root, of other users' processes are not visible; then the answer is undefined.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs'
import { basename } from 'node:path'

export interface PortHolder {
  pid: number
  /** The process's command name, e.g. `avahi-daemon`, or `node edgevpn.js` for a Node script. */
  command: string
}

/** The TCP state of a listening socket in `/proc/net/tcp`. */
const TCP_LISTEN = '0A'

/** The process holding `port`: listening on it (TCP) or bound to it (UDP), or undefined. */
export function portHolder (protocol: 'tcp' | 'udp', port: number): PortHolder | undefined {
  const inodes = socketInodes(protocol, port)
  if (inodes.size === 0) return undefined
  for (const pid of readdirSafe('/proc').filter(name => /^\d+$/.test(name))) {
    for (const fd of readdirSafe(`/proc/${pid}/fd`)) {
      const inode = /^socket:\[(\d+)\]$/.exec(readlinkSafe(`/proc/${pid}/fd/${fd}`))?.[1]
      if (inode !== undefined && inodes.has(inode)) return { pid: Number(pid), command: commandOf(pid) }
    }
  }
  return undefined
}

/** The inodes of the sockets bound to `port`, from `/proc/net/<protocol>` and its IPv6 twin. */
function socketInodes (protocol: 'tcp' | 'udp', port: number): Set<string> {
  const inodes = new Set<string>()
  for (const table of [protocol, `${protocol}6`]) {
    for (const line of readTextSafe(`/proc/net/${table}`).split('\n').slice(1)) {
      // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
      const fields = line.trim().split(/\s+/)
      if (fields.length < 10) continue
      const localPort = parseInt(fields[1].split(':')[1] ?? '', 16)
      if (localPort === port && (protocol === 'udp' || fields[3] === TCP_LISTEN) && fields[9] !== '0') inodes.add(fields[9])
    }
  }
  return inodes
}

/**
 * `comm`, and for Node the script it runs, which says more than `node` (recent Node names its
 * main thread, and so `comm`, `MainThread`).
 */
function commandOf (pid: string): string {
  const command = readTextSafe(`/proc/${pid}/comm`).trim()
  if (command !== 'node' && command !== 'MainThread') return command
  const [program = command, ...args] = readTextSafe(`/proc/${pid}/cmdline`).split('\0')
  const script = args.find(arg => arg !== '' && !arg.startsWith('-'))
  return script === undefined ? basename(program) : `${basename(program)} ${basename(script)}`
}

function readdirSafe (path: string): string[] {
  try {
    return readdirSync(path)
  } catch {
    return []
  }
}

function readlinkSafe (path: string): string {
  try {
    return readlinkSync(path)
  } catch {
    return ''
  }
}

function readTextSafe (path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return ''
  }
}
