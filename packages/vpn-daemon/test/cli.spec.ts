import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { decodeToken, encodeToken, parseNetworkConfigYaml } from '@edgevpn/mesh-core'
import { describe, expect, it } from 'vitest'

const EDGEVPN = fileURLToPath(new URL('../dist/cli/edgevpn.js', import.meta.url))
const run = promisify(execFile)

interface Result { code: number, stdout: string, stderr: string }

/** Runs the built `edgevpn` with a clean environment (no EDGEVPN* variables leak in). */
async function edgevpn (args: string[], env: Record<string, string> = {}): Promise<Result> {
  try {
    const { stdout, stderr } = await run(process.execPath, [EDGEVPN, ...args], { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env }, timeout: 20_000 })
    return { code: 0, stdout, stderr }
  } catch (err) {
    const failure = err as { code: number, stdout: string, stderr: string }
    return { code: failure.code, stdout: failure.stdout, stderr: failure.stderr }
  }
}

describe('edgevpn -g', () => {
  it('prints a YAML config that the decoder reads back, with the CLI defaults', async () => {
    const { code, stdout } = await edgevpn(['-g'])
    expect(code).toBe(0)
    expect(stdout.endsWith('\n\n')).toBe(true) // Go's fmt.Println of text that ends in a newline
    const config = parseNetworkConfigYaml(stdout)
    expect(config.otp.dht.interval).toBe(360n)
    expect(config.otp.crypto.interval).toBe(360n)
    expect(config.otp.crypto.length).toBe(43)
    expect(config.maxMessageSize).toBe(20971520)
    for (const secret of [config.otp.dht.key, config.otp.crypto.key, config.room, config.rendezvous, config.mdns]) {
      expect(secret).toMatch(/^[a-zA-Z0-9]{43}$/)
    }
  })

  it('prints a token with -b that round-trips byte for byte', async () => {
    const { code, stdout } = await edgevpn(['-g', '-b', '--key-otp-interval', '9000'])
    expect(code).toBe(0)
    expect(stdout).not.toContain('\n')
    const config = decodeToken(stdout)
    expect(config.otp.dht.interval).toBe(9000n)
    expect(encodeToken(config)).toBe(stdout)
  })

  it('generates different secrets each time', async () => {
    const [a, b] = await Promise.all([edgevpn(['-g', '-b']), edgevpn(['-g', '-b'])])
    expect(a.stdout).not.toBe(b.stdout)
  })
})

describe('edgevpn errors', () => {
  it.each([
    [['start'], {}, 'EDGEVPNCONFIG or EDGEVPNTOKEN not supplied'],
    [['start', '--token', 'not base64!'], {}, 'invalid network token'],
    [['start'], { EDGEVPNTOKEN: '  ' }, 'invalid network token'],
    [['start', '--config', '/nonexistent/edgevpn.yaml'], {}, '/nonexistent/edgevpn.yaml'],
    [['--bogus'], {}, 'flag provided but not defined: -bogus'],
    [['start', '--mdns=maybe'], {}, 'invalid boolean "maybe" for --mdns'],
    [['start'], { EDGEVPNDHTINTERVAL: 'ten' }, 'invalid integer "ten" for EDGEVPNDHTINTERVAL'],
    [['frobnicate'], {}, 'unknown command "frobnicate"']
  ])('%j %j fails with one line naming the problem', async (args, env, message) => {
    const { code, stdout, stderr } = await edgevpn(args, env)
    expect(code).toBe(1)
    expect(stdout).toBe('')
    expect(stderr).toContain(message)
    expect(stderr.trim().split('\n')).toHaveLength(1)
    expect(stderr).not.toMatch(/\bat .*\.js:\d+/) // no stack trace
  })

  it.each([
    [['--interface', 'a/b'], '--interface: interface name "a/b" must not'],
    [['--interface', 'this-name-is-way-too-long'], 'must be 1 to 15 bytes'],
    [['--address', '300.1.0.1/24'], '--address "300.1.0.1/24" is not an IP address'],
    [['--mtu', '1500', '--packet-mtu', '1400'], '--packet-mtu 1400 is below --mtu 1500'],
    [['--connection-low-water', '16', '--connection-high-water', '8'], '--connection-high-water (8) must not be below --connection-low-water (16)']
  ])('the VPN daemon with %j fails before it joins the mesh', async (args, message) => {
    const token = (await edgevpn(['-g', '-b'])).stdout
    const { code, stdout, stderr } = await edgevpn(['--token', token, ...args])
    expect(code).toBe(1)
    expect(stdout).toBe('')
    expect(stderr).toContain(message)
    expect(stderr.trim().split('\n')).toHaveLength(1) // no "node started" line: nothing joined the mesh
  })

  it('rejects a token whose OTP interval is 0', async () => {
    const config = parseNetworkConfigYaml((await edgevpn(['-g'])).stdout)
    config.otp.crypto.interval = 0n
    const { code, stderr } = await edgevpn(['start', '--token', Buffer.from(yamlWithZeroInterval(config)).toString('base64')])
    expect(code).toBe(1)
    expect(stderr).toContain('otp.crypto.interval')
  })
})

describe('edgevpn --help', () => {
  it('lists commands, flags and their environment variables', async () => {
    const root = await edgevpn(['--help'])
    expect(root.code).toBe(0)
    expect(root.stdout).toContain('start')
    expect(root.stdout).toContain('[$EDGEVPNTOKEN]')
    const start = await edgevpn(['start', '--help'])
    expect(start.stdout).toContain('--discovery-bootstrap-peers')
  })
})

function yamlWithZeroInterval (config: ReturnType<typeof parseNetworkConfigYaml>): string {
  const { dht, crypto } = config.otp
  return `otp:\n  dht:\n    interval: ${dht.interval}\n    key: ${dht.key}\n    length: ${dht.length}\n  crypto:\n    interval: 0\n    key: ${crypto.key}\n    length: ${crypto.length}\nroom: ${config.room}\nrendezvous: ${config.rendezvous}\nmdns: ${config.mdns}\nmax_message_size: ${config.maxMessageSize}\n`
}
