/**
 * The release as a Kairos image gets it: `release/build.js` makes the tarballs, and each is
 * installed with its own `install.sh` into a clean system root (busybox and the C libraries, no
 * Node, no checkout), then started from Kairos's own unit text (`ExecStart=edgevpn`, its env file,
 * no HOME) in a lab host, where it takes a DHCP address and pings a node of the checkout. The
 * arm64 release runs the same way under qemu-user where `scripts/test-deps.sh` set that up.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createApiClient } from '@edgevpn/api-client'
import { encodeToken, generateNetworkConfig } from '@edgevpn/mesh-core'
import { createNetnsLab } from '@edgevpn/testbed/lab'
import { serviceScript, SYSTEMD_PATH } from '@edgevpn/testbed/lab/systemd'
import { LabDaemon, pingUntilUp, waitFor } from '@edgevpn/testbed/lab/tools'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { e2eUnavailableReason } from '../e2e/lib/test-mesh.js'
import type { NetnsLab } from '@edgevpn/testbed/lab'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const KAIROS_UNIT = readFileSync(new URL('./kairos-edgevpn@.service', import.meta.url), 'utf8')
const ARM64_LIBS = '/usr/aarch64-linux-gnu/lib'
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'packages', 'vpn-daemon', 'package.json'), 'utf8')) as { version: string }).version

function unavailableReason (): string | undefined {
  if (process.arch !== 'x64') return 'the release is built and tested on an x64 machine'
  if (spawnSync('busybox', ['true']).status !== 0) return 'no busybox for the clean root (scripts/test-deps.sh installs busybox-static)'
  return e2eUnavailableReason()
}

function arm64UnavailableReason (): string | undefined {
  if (spawnSync('aarch64-linux-gnu-g++', ['--version']).status !== 0) return 'no aarch64-linux-gnu-g++ (scripts/test-deps.sh installs it)'
  if (!existsSync('/proc/sys/fs/binfmt_misc/qemu-aarch64')) return 'qemu-user is not registered for arm64 binaries (scripts/test-deps.sh does it as root)'
  if (!existsSync(join(ARM64_LIBS, 'ld-linux-aarch64.so.1'))) return `no arm64 C library in ${ARM64_LIBS}`
  return undefined
}

/** Copies `file` into `root` at the same path. */
function copyInto (root: string, file: string, at = file): void {
  mkdirSync(join(root, dirname(at)), { recursive: true })
  copyFileSync(file, join(root, at))
}

/**
 * A system root with nothing of this machine's but busybox and the C libraries the release's
 * Node links to: /bin/sh and the usual tools, /etc/passwd, /tmp, /run, and Kairos's unit.
 */
function cleanRoot (dir: string, arch: string): void {
  for (const sub of ['usr/bin', 'usr/sbin', 'usr/lib', 'usr/lib64', 'usr/local', 'etc/systemd/system', 'etc/systemd/system.conf.d', 'root', 'run', 'proc', 'sys', 'dev']) {
    mkdirSync(join(dir, sub), { recursive: true })
  }
  // merged /usr, as on Kairos's images
  for (const link of ['bin', 'sbin', 'lib', 'lib64']) symlinkSync(`usr/${link}`, join(dir, link))
  mkdirSync(join(dir, 'tmp'), { mode: 0o1777 })
  chmodSync(join(dir, 'tmp'), 0o1777)
  copyInto(dir, execFileSync('sh', ['-c', 'command -v busybox'], { encoding: 'utf8' }).trim(), '/usr/bin/busybox')
  execFileSync('chroot', [dir, '/usr/bin/busybox', '--install', '-s'])
  writeFileSync(join(dir, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\n')
  writeFileSync(join(dir, 'etc', 'group'), 'root:x:0:\n')
  writeFileSync(join(dir, 'etc', 'systemd', 'system', 'edgevpn@.service'), KAIROS_UNIT)
  const libraries = ['libc.so.6', 'libm.so.6', 'libstdc++.so.6', 'libgcc_s.so.1', 'libdl.so.2', 'libpthread.so.0']
  if (arch === 'x64') {
    for (const library of libraries) copyInto(dir, `/lib/x86_64-linux-gnu/${library}`)
    copyInto(dir, '/lib64/ld-linux-x86-64.so.2')
  } else {
    for (const library of libraries) copyInto(dir, join(ARM64_LIBS, library), `/lib/aarch64-linux-gnu/${library}`)
    copyInto(dir, join(ARM64_LIBS, 'ld-linux-aarch64.so.1'), '/lib/ld-linux-aarch64.so.1')
  }
}

const inRoot = (root: string, script: string): string => execFileSync('chroot', [root, '/bin/sh', '-c', script], { encoding: 'utf8', env: { PATH: SYSTEMD_PATH } })

describe.skipIf(unavailableReason() !== undefined)('the release in a clean root under Kairos\'s unit', () => {
  const arm64Reason = arm64UnavailableReason()
  const arches = arm64Reason === undefined ? ['x64', 'arm64'] : ['x64']
  let work: string
  let lab: NetnsLab
  const token = encodeToken(generateNetworkConfig())
  const daemons: LabDaemon[] = []

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'evt-release-'))
    const build = spawnSync(process.execPath, [join(ROOT, 'release', 'build.js'), '--out', join(work, 'out'), '--arch', arches.join(',')], { encoding: 'utf8' })
    expect(build.status, build.stdout + build.stderr).toBe(0)
    console.log(build.stdout.trim().split('\n').filter(line => line.startsWith('release:')).join('\n'))
    lab = await createNetnsLab({ prefix: 'evtrel', hosts: 1 + arches.length, subnet: '10.254.91' })
    // a node of the checkout, configured as Kairos configures it, for the releases to reach
    daemons.push(new LabDaemon(lab, lab.hosts[0], {
      name: 'checkout-node',
      hostname: 'checkout-node',
      env: { EDGEVPNTOKEN: token, DHCP: 'true', DHCPLEASEDIR: join(work, 'lease'), EDGEVPNDHT: 'false', EDGEVPNLISTENMADDRS: `/ip4/${lab.hosts[0].address}/tcp/0`, EDGEVPNLEDGERSYNCINTERVAL: '2', EDGEVPNLOGLEVEL: 'info' }
    }))
  }, 300_000)

  afterAll(async () => {
    await Promise.all(daemons.map(async daemon => { await daemon.stop() }))
    await lab?.destroy()
    if (work !== undefined) rmSync(work, { recursive: true, force: true })
  })

  it.for(['x64', 'arm64'])('the %s tarball installs with no Node or checkout in sight, starts from Kairos\'s unit and pings a peer', { timeout: 420_000 }, async (arch, context) => {
    if (arch === 'arm64' && arm64Reason !== undefined) context.skip(arm64Reason)
    const index = arches.indexOf(arch) + 1
    const host = lab.hosts[index]
    const root = join(work, `root-${arch}`)
    cleanRoot(root, arch)
    expect(() => inRoot(root, 'command -v node')).toThrow()
    expect(existsSync(join(root, ROOT))).toBe(false)

    const tarball = `edgevpn-${VERSION}-linux-${arch}.tar.gz`
    copyFileSync(join(work, 'out', tarball), join(root, 'tmp', tarball))
    const installed = inRoot(root, `cd /tmp && tar xzf ${tarball} && ./edgevpn-${VERSION}-linux-${arch}/install.sh`)
    expect(installed).toContain(`installed edgevpn ${VERSION} (linux-${arch}) in /usr/local/lib/edgevpn`)
    expect(inRoot(root, 'edgevpn --version')).toBe(`edgevpn version ${VERSION}\n`)

    // the env file Kairos writes (the lab adds its listen address and a fast ledger)
    const socket = '/run/edgevpn-kairos.sock'
    writeFileSync(join(root, 'etc', 'systemd', 'system.conf.d', 'edgevpn-kairos.env'), [
      `EDGEVPNTOKEN=${token}`, 'API=true', `APILISTEN=unix://${socket}`, 'DHCP=true', 'DHCPLEASEDIR=/usr/local/.kairos/lease',
      'DNSADDRESS=127.0.0.1:53', 'DNSFORWARD=true', 'EDGEVPNDHT=false',
      `EDGEVPNLISTENMADDRS=/ip4/${host.address}/tcp/0`, 'EDGEVPNLEDGERSYNCINTERVAL=2', 'EDGEVPNLOGLEVEL=info', ''
    ].join('\n'))
    const daemon = new LabDaemon(lab, host, {
      name: `release-${arch}`,
      hostname: `release-${arch}`,
      command: ['sh', '-c', serviceScript({ root, unit: KAIROS_UNIT, instance: 'kairos' })]
    })
    daemons.push(daemon)
    const started = Date.now()
    // (a daemon that exits or stalls fails here with its last stderr lines)
    await daemon.waitForLog(record => record.message === 'VPN started', arch === 'x64' ? 90_000 : 240_000)
    const client = createApiClient({ host: `unix://${join(root, socket)}` })
    const machines = await waitFor('the release and the checkout node in the ledger', async () => {
      const list = await client.machines().catch(() => [])
      return list.length >= 2 && list.some(m => m.Hostname === `release-${arch}`) ? list : undefined
    }, 30_000)
    const own = machines.find(m => m.Hostname === `release-${arch}`)?.Address ?? ''
    const peer = machines.find(m => m.Hostname === 'checkout-node')?.Address ?? ''
    expect(own).toMatch(/^10\.1\.0\.\d+$/)
    await pingUntilUp(lab, host, peer, 60_000)
    await pingUntilUp(lab, lab.hosts[0], own, 30_000)
    console.log(`linux-${arch} release: API, DHCP address ${own} and pings both ways ${((Date.now() - started) / 1000).toFixed(1)} s after start`)

    // with no HOME it kept its identity in root's home; where the registry had no QUIC binary for
    // the CPU (arm64 here), it runs on TCP and says so once
    const quicWarnings = daemon.logs.filter(record => record.message.startsWith('QUIC is not available')).length
    expect(quicWarnings).toBe(existsSync(join(root, 'usr/local/lib/edgevpn/app/node_modules/@chainsafe', `libp2p-quic-linux-${arch}-gnu`)) ? 0 : 1)
    expect(readdirSync(join(root, 'root', '.edgevpn')).length).toBeGreaterThan(0)
    expect(statSync(join(root, socket)).isSocket()).toBe(true)
  })
})
