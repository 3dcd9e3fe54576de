import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { existsSync, lstatSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { rawRequest, startApi, tempDir } from './api-helpers.js'
import type { ApiFixture } from './api-helpers.js'
import { ApiListenError, parseListenAddress, parseSocketMode } from '../src/api/index.js'
import { createApiClient } from '@edgevpn/api-client'
import type { ChildProcess } from 'node:child_process'

const API_DIST = new URL('../dist/api/index.js', import.meta.url).href
const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url))

function hasSystemdSocketActivate (): boolean {
  try {
    execFileSync('systemd-socket-activate', ['--version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

describe('listen address parsing', () => {
  it('reads TCP host:port and unix:// paths like Go', () => {
    expect(parseListenAddress('127.0.0.1:8080')).toEqual({ kind: 'tcp', host: '127.0.0.1', port: 8080 })
    expect(parseListenAddress(':9090')).toEqual({ kind: 'tcp', host: undefined, port: 9090 })
    expect(parseListenAddress('[::1]:0')).toEqual({ kind: 'tcp', host: '::1', port: 0 })
    expect(parseListenAddress('unix:///run/edgevpn.sock')).toEqual({ kind: 'unix', path: '/run/edgevpn.sock' })
    expect(() => parseListenAddress('localhost')).toThrow(/missing port/)
    expect(() => parseListenAddress('host:http-alt')).toThrow(/bad port "http-alt"/)
    expect(() => parseListenAddress('::1:80')).toThrow(/brackets/)
    expect(() => parseListenAddress('unix://')).toThrow(ApiListenError)
  })

  it('reads APILISTENUNIXMODE as octal, falling back to 0660', () => {
    expect(parseSocketMode('0600')).toBe(0o600)
    expect(parseSocketMode('600')).toBe(0o600)
    expect(parseSocketMode('0o640')).toBe(0o640)
    expect(parseSocketMode(' 0600 ')).toBe(0o600)
    expect(parseSocketMode('04777')).toBe(0o777)
    for (const bad of [undefined, '', '0x1ff', '680', 'rw-------', '-600']) expect(parseSocketMode(bad)).toBe(0o660)
  })
})

describe('API on a unix socket', () => {
  const cleanups: Array<() => Promise<void> | void> = []
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  })

  async function start (path: string, env: NodeJS.ProcessEnv = {}): Promise<ApiFixture> {
    const api = await startApi('off', `unix://${path}`, { env })
    cleanups.push(api.stop)
    return api
  }

  function scratch (): string {
    const dir = tempDir()
    cleanups.push(dir.remove)
    return dir.path
  }

  it('creates a socket with mode 0660, serves on it and removes it on stop', async () => {
    const path = `${scratch()}/api.sock`
    const api = await start(path)
    expect(api.address).toBe(`unix://${path}`)
    const stats = lstatSync(path)
    expect(stats.isSocket()).toBe(true)
    expect(stats.mode & 0o777).toBe(0o660)
    expect((await rawRequest(api.address, 'GET', '/api/ledger/none')).body).toBe('null\n')
    await api.stop()
    expect(existsSync(path)).toBe(false)
  })

  it('applies APILISTENUNIXMODE', async () => {
    const dir = scratch()
    for (const [text, mode] of [['0600', 0o600], ['600', 0o600], ['0o600', 0o600], ['garbage', 0o660]] as const) {
      const path = `${dir}/mode-${text}.sock`
      await start(path, { APILISTENUNIXMODE: text })
      expect(lstatSync(path).mode & 0o777).toBe(mode)
    }
  })

  it('replaces a stale socket file left by a dead process', async () => {
    const path = `${scratch()}/api.sock`
    // a process that binds the socket and dies without removing it
    const dead = spawnSync(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`])
    expect(dead.signal).toBe('SIGKILL')
    expect(lstatSync(path).isSocket()).toBe(true)
    const api = await start(path)
    expect((await rawRequest(api.address, 'GET', '/api/ledger/none')).status).toBe(200)
  }, 30_000)

  it('refuses a socket another process is serving, and leaves it alone', async () => {
    const path = `${scratch()}/api.sock`
    const other = createServer(socket => {
      socket.on('error', () => {}) // the probe hangs up at once
      socket.end('other')
    })
    await new Promise<void>(resolve => other.listen(path, resolve))
    cleanups.push(async () => { await new Promise(resolve => other.close(resolve)) })
    const { ino } = lstatSync(path)
    await expect(startApi('off', `unix://${path}`)).rejects.toThrow(`socket ${path} is already in use by another process`)
    expect(lstatSync(path).ino).toBe(ino)
  })

  it('refuses to remove a file that is not a socket', async () => {
    const path = `${scratch()}/api.sock`
    writeFileSync(path, 'precious')
    await expect(startApi('off', `unix://${path}`)).rejects.toThrow(`refusing to remove non-socket file at ${path}`)
    expect(lstatSync(path).isFile()).toBe(true)
  })

  it('reports a bind failure as an ApiListenError', async () => {
    const error = await startApi('off', 'unix:///nonexistent-dir/evt/api.sock').catch((err: unknown) => err)
    expect(error).toBeInstanceOf(ApiListenError)
    expect((error as Error).message).toMatch(/^API listen on unix:\/\/\/nonexistent-dir\/evt\/api.sock: /)
    const tcp = await startApi('off', '127.0.0.1:0')
    cleanups.push(tcp.stop)
    await expect(startApi('off', tcp.address)).rejects.toThrow(/EADDRINUSE/)
  })

  it('checks LISTEN_PID and LISTEN_FDS like Go', async () => {
    const path = `${scratch()}/api.sock`
    const pid = String(process.pid)
    await expect(startApi('off', `unix://${path}`, { env: { LISTEN_PID: pid, LISTEN_FDS: '2' } })).rejects.toThrow('LISTEN_FDS=2, expected exactly 1')
    await expect(startApi('off', `unix://${path}`, { env: { LISTEN_PID: 'me', LISTEN_FDS: '1' } })).rejects.toThrow('invalid LISTEN_PID "me"')
    await expect(startApi('off', `unix://${path}`, { env: { LISTEN_PID: pid, LISTEN_FDS: 'one' } })).rejects.toThrow('invalid LISTEN_FDS "one"')
    // sockets addressed to another process are not ours: the normal path applies
    const api = await start(path, { LISTEN_PID: String(process.pid + 1), LISTEN_FDS: '1' })
    expect(api.address).toBe(`unix://${path}`)
  })
})

describe.skipIf(!hasSystemdSocketActivate())('systemd socket activation', () => {
  let child: ChildProcess | undefined
  afterEach(() => { child?.kill('SIGKILL') })

  it('serves on the inherited fd 3 without touching the socket file', async () => {
    const dir = tempDir()
    try {
      const path = `${dir.path}/activated.sock`
      const script = `
        import { Ledger } from '@edgevpn/ledger'
        import { createApiServer } from ${JSON.stringify(API_DIST)}
        const ledger = new Ledger()
        await ledger.put('b', 'k', 'activated')
        const node = { peerId: 'self', topicPeers: () => [], connectedPeers: () => [], peerstorePeers: async () => [], peers: () => [] }
        const api = createApiServer({ listen: ${JSON.stringify(`unix://${path}`)}, ledger, node })
        await api.start()
        process.stdout.write('address ' + api.address + '\\n')
        process.on('SIGTERM', () => { api.stop().then(() => process.exit(0)) })
      `
      // systemd-socket-activate binds the socket, then execs the command (keeping its PID) on the first connection
      child = spawn('systemd-socket-activate', ['-l', path, process.execPath, '--input-type=module', '-e', script], {
        cwd: PACKAGE_DIR, stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH, APILISTENUNIXMODE: '0600' }
      })
      let output = ''
      child.stdout?.on('data', (chunk: Buffer) => { output += chunk.toString() })
      child.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString() })
      await expect.poll(() => existsSync(path), { timeout: 10_000 }).toBe(true)
      const modeBefore = lstatSync(path).mode & 0o777

      const client = createApiClient({ host: `unix://${path}` })
      expect(await client.getBucket('b')).toEqual(new Map([['k', '"activated"']]))
      expect(output).toContain('address fd://3')
      expect(lstatSync(path).mode & 0o777).toBe(modeBefore) // no chmod on a systemd-owned socket

      const exited = new Promise(resolve => child?.once('exit', resolve))
      child.kill('SIGTERM')
      expect(await exited).toBe(0)
      expect(lstatSync(path).isSocket()).toBe(true) // systemd owns the file: not removed
    } finally {
      dir.remove()
    }
  }, 60_000)
})
