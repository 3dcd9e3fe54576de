/**
 * The systemd unit `edgevpn@.service`, its example environment file and the install script.
 * `systemd-analyze verify` insists that ExecStart's binary exists, so the unit is verified as
 * a copy named `edgevpn@kairos.service` (verify needs an instance) whose ExecStart is the
 * launcher the install script put into a staging root; nothing is installed on this machine.
 * Without `systemd-analyze`, the tests install Debian's `systemd` package when running as
 * root with apt-get, and skip otherwise.
 */
import { execFile } from 'node:child_process'
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseUnit } from '@edgevpn/testbed/lab/systemd'
import { commonFlags } from '../src/cli/common-flags.js'
import { rootFlags } from '../src/cli/root-flags.js'

const run = promisify(execFile)
const packageDir = fileURLToPath(new URL('..', import.meta.url))
const UNIT = join(packageDir, 'systemd', 'edgevpn@.service')
const ENV_EXAMPLE = join(packageDir, 'systemd', 'edgevpn-kairos.env.example')
const INSTALL = join(packageDir, 'scripts', 'install-systemd.sh')

async function systemdAnalyzeReason (): Promise<string | undefined> {
  const present = async (): Promise<boolean> => await run('systemd-analyze', ['--version']).then(() => true, () => false)
  if (await present()) return undefined
  if (process.getuid?.() !== 0) return 'systemd-analyze is not installed, and installing it needs root'
  if (!existsSync('/usr/bin/apt-get')) return 'systemd-analyze is not installed, and there is no apt-get to install it'
  await run('apt-get', ['install', '-y', '--no-install-recommends', 'systemd'], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, timeout: 300_000 })
  return await present() ? undefined : 'systemd-analyze is still missing after installing the systemd package'
}

describe('edgevpn@.service', () => {
  const unit = parseUnit(readFileSync(UNIT, 'utf8'))
  const one = (key: string): string | undefined => unit.get(key)?.at(-1)

  it('runs the installed launcher as Kairos runs edgevpn (§10.5)', () => {
    expect(one('Service.EnvironmentFile')).toBe('/etc/systemd/system.conf.d/edgevpn-%i.env')
    expect(one('Service.ExecStart')).toBe('/usr/local/bin/edgevpn')
    expect(one('Service.Restart')).toBe('always')
    expect(one('Service.LimitNOFILE')).toBe('49152')
    expect(one('Install.WantedBy')).toBe('multi-user.target')
  })

  it('keeps what a VPN needs and locks away the rest', () => {
    expect(one('Service.AmbientCapabilities')).toBe('CAP_NET_ADMIN')
    expect(one('Service.CapabilityBoundingSet')?.split(' ').sort()).toEqual(['CAP_NET_ADMIN', 'CAP_NET_BIND_SERVICE'])
    expect(one('Service.DeviceAllow')).toBe('/dev/net/tun rw')
    expect(one('Service.RestrictAddressFamilies')?.split(' ').sort()).toEqual(['AF_INET', 'AF_INET6', 'AF_NETLINK', 'AF_UNIX'])
    expect(one('Service.NoNewPrivileges')).toBe('yes')
    expect(one('Service.ProtectSystem')).toBe('strict')
    expect(one('Service.ReadWritePaths')?.split(' ')).toContain('/run')
    expect(one('Service.StateDirectory')).toBe('edgevpn/%i')
    expect(one('Service.ProtectHome')).toBe('yes')
    expect(one('Service.PrivateTmp')).toBe('yes')
    // these would break the daemon: no /dev/net/tun, no V8 JIT
    expect(unit.has('Service.PrivateDevices')).toBe(false)
    expect(unit.has('Service.MemoryDenyWriteExecute')).toBe(false)
  })

  it('has an example environment file with Kairos\' variables, each one read by the daemon', () => {
    const env = new Map(readFileSync(ENV_EXAMPLE, 'utf8').split('\n')
      .map(line => line.replace(/^#(?=[A-Z])/, ''))
      .filter(line => /^[A-Z_]+=/.test(line))
      .map(line => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]))
    expect(Object.fromEntries(env)).toEqual({
      EDGEVPNTOKEN: '',
      API: 'true',
      APILISTEN: 'unix:///run/edgevpn-kairos.sock',
      APILISTENUNIXMODE: '0600',
      DHCP: 'true',
      DHCPLEASEDIR: '/usr/local/.kairos/lease',
      DNSADDRESS: '127.0.0.1:53',
      DNSFORWARD: 'true',
      EDGEVPNDHT: 'false'
    })
    // APILISTENUNIXMODE is read by the API server itself, the others are flag variables
    const flagVariables = new Set([...rootFlags, ...commonFlags].map(spec => spec.env))
    expect([...env.keys()].filter(name => name !== 'APILISTENUNIXMODE' && !flagVariables.has(name))).toEqual([])
  })
})

describe('install-systemd.sh and systemd-analyze', () => {
  let skipReason: string | undefined
  let stage = ''
  let launcher = ''
  let verifyDir = ''

  beforeAll(async () => {
    skipReason = await systemdAnalyzeReason()
    stage = mkdtempSync(join(tmpdir(), 'evt-systemd-'))
    await run(INSTALL, ['--root', join(stage, 'root')])
    launcher = join(stage, 'root', 'usr', 'local', 'bin', 'edgevpn')
    verifyDir = join(stage, 'verify')
  }, 330_000)

  afterAll(() => {
    if (stage !== '') rmSync(stage, { recursive: true, force: true })
  })

  /** The installed unit as `edgevpn@kairos.service` in its own directory, ExecStart at the staged launcher. */
  const instanceCopy = (extra: string = ''): string => {
    const text = readFileSync(join(stage, 'root', 'etc', 'systemd', 'system', 'edgevpn@.service'), 'utf8')
      .replace(/^ExecStart=\/usr\/local\/bin\/edgevpn$/m, `ExecStart=${launcher}`)
      .replace('[Service]\n', `[Service]\n${extra}`)
    const path = join(verifyDir, 'edgevpn@kairos.service')
    rmSync(verifyDir, { recursive: true, force: true })
    mkdirSync(verifyDir, { recursive: true })
    writeFileSync(path, text)
    return path
  }

  it('installs a launcher that runs the built CLI, the unit, the example env file and the tun module', async () => {
    accessSync(launcher, constants.X_OK)
    expect((await run(launcher, ['--version'])).stdout).toMatch(/^edgevpn version /)
    expect(readFileSync(join(stage, 'root', 'etc', 'systemd', 'system', 'edgevpn@.service'), 'utf8')).toBe(readFileSync(UNIT, 'utf8'))
    expect(readFileSync(join(stage, 'root', 'etc', 'systemd', 'system.conf.d', 'edgevpn-kairos.env.example'), 'utf8')).toBe(readFileSync(ENV_EXAMPLE, 'utf8'))
    expect(readFileSync(join(stage, 'root', 'etc', 'modules-load.d', 'edgevpn.conf'), 'utf8')).toBe('tun\n')
  })

  it('points ExecStart at --bindir, and refuses bad arguments', async () => {
    const other = join(stage, 'other')
    await run(INSTALL, ['--root', other, '--bindir', '/opt/edgevpn/bin'])
    expect(parseUnit(readFileSync(join(other, 'etc', 'systemd', 'system', 'edgevpn@.service'), 'utf8')).get('Service.ExecStart')).toEqual(['/opt/edgevpn/bin/edgevpn'])
    accessSync(join(other, 'opt', 'edgevpn', 'bin', 'edgevpn'), constants.X_OK)
    await expect(run(INSTALL, ['--root', other, '--bindir', 'relative/bin'])).rejects.toThrow(/--bindir must be an absolute path/)
    await expect(run(INSTALL, ['--frobnicate'])).rejects.toThrow(/unknown argument '--frobnicate'/)
  })

  it('passes systemd-analyze verify without a warning', async (context) => {
    if (skipReason !== undefined) context.skip(skipReason)
    const { stderr } = await run('systemd-analyze', ['verify', instanceCopy()])
    expect(stderr).toBe('')
    // the check can fail: a misspelt directive is reported
    const broken = await run('systemd-analyze', ['verify', instanceCopy('ProtectSytem=strict\n')]).catch((err: { stderr: string }) => err)
    expect(broken.stderr).toMatch(/Unknown key 'ProtectSytem'/)
  })

  it('rates as well hardened by systemd-analyze security', async (context) => {
    if (skipReason !== undefined) context.skip(skipReason)
    const { stdout } = await run('systemd-analyze', ['security', '--offline=true', '--no-pager', instanceCopy()])
    const level = /Overall exposure level for edgevpn@kairos\.service: ([\d.]+)/.exec(stdout)
    expect(level, stdout).not.toBeNull()
    expect(Number(level?.[1])).toBeLessThanOrEqual(3)
  })
})
