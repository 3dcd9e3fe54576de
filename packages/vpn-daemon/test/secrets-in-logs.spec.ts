/**
 * Secrets never reach logs (docs/security.md): the network token, its OTP keys, the API bearer
 * token and the node's private key are absent from everything the built `edgevpn` prints, at
 * debug level, while it runs, answers wrong credentials, and fails on bad input that echoes
 * values (bad tokens, bad config files, bad flags).
 */
import { execFile, spawn } from 'node:child_process'
import { once } from 'node:events'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { decodeToken, encodeToken, generateNetworkConfig, networkConfigToYaml } from '@edgevpn/mesh-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rawRequest, tempDir } from './api-helpers.js'

const EDGEVPN = fileURLToPath(new URL('../dist/cli/edgevpn.js', import.meta.url))
const run = promisify(execFile)
const API_TOKEN = 'api-secret-5d1c7e9a3b'
const LOOPBACK_ONLY = ['--mdns=false', '--dht=false', '--autorelay=false', '--natmap=false', '--listen-maddrs', '/ip4/127.0.0.1/tcp/0', '--log-level', 'debug']

const token = encodeToken(generateNetworkConfig({ interval: 360n }))
const config = decodeToken(token)
const SECRETS: Record<string, string> = {
  token,
  'token prefix': token.slice(0, 24),
  'OTP DHT key': config.otp.dht.key,
  'OTP crypto key': config.otp.crypto.key,
  'API token': API_TOKEN
}

function expectNoSecret (output: string, what: string, extra: Record<string, string> = {}): void {
  expect(output.trim(), `${what} printed nothing: the case tests no error path`).not.toBe('')
  for (const [name, secret] of Object.entries({ ...SECRETS, ...extra })) {
    expect(output.includes(secret), `${what} printed the ${name}:\n${output}`).toBe(false)
  }
}

/** Runs the built CLI to its end with a clean environment; returns stdout and stderr together. */
async function edgevpn (args: string[], env: Record<string, string> = {}): Promise<string> {
  try {
    const { stdout, stderr } = await run(process.execPath, [EDGEVPN, ...args], { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env }, timeout: 30_000 })
    return stdout + stderr
  } catch (err) {
    // not err.message: it repeats our own command line, secrets included
    const failure = err as { stdout?: string, stderr?: string }
    return `${failure.stdout ?? ''}${failure.stderr ?? ''}`
  }
}

describe('secrets in logs', () => {
  const dir = tempDir()

  afterAll(() => { dir.remove() })

  describe('a running node with the API, at debug level', () => {
    let output = ''
    let privateKey = ''

    beforeAll(async () => {
      const tokenFile = join(dir.path, 'api-token')
      writeFileSync(tokenFile, `${API_TOKEN}\n`, { mode: 0o600 })
      const keyDir = join(dir.path, 'identity')
      const child = spawn(process.execPath, [EDGEVPN, 'api', '--listen', '127.0.0.1:0', '--api-token-file', tokenFile,
        '--privkey-cache', '--privkey-cache-dir', keyDir, '--enable-healthchecks', ...LOOPBACK_ONLY], {
        env: { PATH: process.env.PATH ?? '', HOME: dir.path, EDGEVPNTOKEN: token }
      })
      child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString() })
      child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString() })
      try {
        const deadline = Date.now() + 30_000
        let address: string | undefined
        while (address === undefined) {
          if (Date.now() > deadline || child.exitCode !== null) throw new Error(`the API did not start:\n${output}`)
          address = /API listening.*?(127\.0\.0\.1:\d+)/.exec(output)?.[1]
          await new Promise(resolve => setTimeout(resolve, 100))
        }
        // wrong credentials, the token on a non-UI route, a login, and writes that get logged at debug
        await rawRequest(address, 'GET', '/api/ledger', { headers: { Authorization: 'Bearer wrong' } })
        await rawRequest(address, 'GET', `/api/ledger/x?token=${API_TOKEN}`)
        await rawRequest(address, 'GET', `/app?token=${API_TOKEN}`)
        await rawRequest(address, 'PUT', `/api/ledger/b/${API_TOKEN}/v`, { headers: { Authorization: 'Bearer wrong' } })
        await rawRequest(address, 'PUT', '/api/ledger/b/k/v', { headers: { Authorization: `Bearer ${API_TOKEN}` } })
        await new Promise(resolve => setTimeout(resolve, 2_000))
      } finally {
        child.kill('SIGTERM')
        if (child.exitCode === null) await once(child, 'exit')
      }
      privateKey = readFileSync(join(keyDir, 'privkey'), 'utf8').trim()
    }, 60_000)

    it('logged something at debug level', () => {
      expect(output).toMatch(/debug/i)
    })

    it('printed neither the network secrets, the API token nor the private key', () => {
      expect(privateKey.length).toBeGreaterThan(20)
      expectNoSecret(output, 'edgevpn api', { 'private key': privateKey })
    })
  })

  it('prints no secret when the token is corrupt', async () => {
    expectNoSecret(await edgevpn(['start', '--token', token.slice(0, -7), ...LOOPBACK_ONLY]), 'a truncated token')
    expectNoSecret(await edgevpn(['start', ...LOOPBACK_ONLY], { EDGEVPNTOKEN: `${token.slice(0, 40)}!!${token.slice(40)}` }), 'a token with bad characters')
  })

  it('prints no secret when the config file is invalid', async () => {
    const yaml = networkConfigToYaml(config)
    const cases = {
      'YAML syntax error after the keys': `${yaml}\n  : : [\n`,
      'unterminated quote on a key line': yaml.replace(config.otp.crypto.key, `"${config.otp.crypto.key}`),
      'negative max message size': yaml.replace(/max_message_size: \d+/, 'max_message_size: -5'),
      'wrong type for the OTP block': yaml.replace(/interval: \d+/, `interval: ${config.otp.dht.key}`)
    }
    for (const [name, text] of Object.entries(cases)) {
      const file = join(dir.path, 'config.yaml')
      writeFileSync(file, text)
      expectNoSecret(await edgevpn(['start', '--config', file, ...LOOPBACK_ONLY]), name)
    }
  })

  it('prints no secret on bad flags and failing commands', async () => {
    const env = { EDGEVPNTOKEN: token }
    expectNoSecret(await edgevpn(['start', '--ownership', 'bogus', ...LOOPBACK_ONLY], env), '--ownership bogus')
    expectNoSecret(await edgevpn(['start', '--no-such-flag', ...LOOPBACK_ONLY], env), 'an unknown flag')
    expectNoSecret(await edgevpn(['start', '--token', token, '--discovery-interval', '0', ...LOOPBACK_ONLY]), '--discovery-interval 0')
    expectNoSecret(await edgevpn(['service-add', '--token', token, ...LOOPBACK_ONLY]), 'service-add without arguments')
    expectNoSecret(await edgevpn(['api', '--token', token, '--api-token', API_TOKEN, '--api-token-file', '/nonexistent', '--listen', '127.0.0.1:0', ...LOOPBACK_ONLY]), 'both API token flags')
    expectNoSecret(await edgevpn(['api', '--token', token, '--api-token', `${API_TOKEN} x`, '--listen', '127.0.0.1:0', ...LOOPBACK_ONLY]), 'an API token with a space')
  }, 120_000)
})
