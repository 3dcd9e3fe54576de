import { describe, expect, it } from 'vitest'
import { Ledger } from '@edgevpn/ledger'
import { formatRfc3339 } from '@edgevpn/go-compat'
import { listenersConflict } from '../src/cli/commands/listeners-conflict.js'
import { BlockedTargetError, InvalidSubnetError, TargetGuard, connectTarget, httpTarget, pickEgress } from '../src/egress/index.js'

/** `localhost` resolves to both loopbacks, `box` to a LAN address; nothing else resolves. */
const resolveHost = async (host: string): Promise<string[]> => {
  const table: Record<string, string[]> = { localhost: ['127.0.0.1', '::1'], box: ['192.168.1.5'] }
  const found = table[host]
  if (found === undefined) throw new Error(`no such host ${host}`)
  return found
}

describe('listenersConflict (Go cmd/proxy.go truth table)', () => {
  const cases: Array<[string, string, boolean]> = [
    [':8080', '127.0.0.1:8081', false], // the defaults
    [':8080', '127.0.0.1:8080', true], // wildcard covers every address
    ['0.0.0.0:8080', '[::1]:8080', true],
    ['[::]:9000', 'box:9000', true],
    ['localhost:8080', '127.0.0.1:8080', true],
    ['localhost:8080', '[::1]:8080', true],
    ['localhost:8080', '127.0.0.2:8080', false],
    ['127.0.0.1:http-alt', '127.0.0.1:8080', true], // named port from /etc/services
    ['127.0.0.1:http', '127.0.0.1:80', true],
    ['[::ffff:127.0.0.1]:8080', '127.0.0.1:8080', true],
    ['unix:///run/a.sock', 'unix:///run/a.sock', true],
    ['unix:///run/a.sock', 'unix:///run/b.sock', false],
    ['unix:///run/a.sock', ':8080', false],
    ['nowhere:8080', 'nowhere:8080', true], // unresolvable: textual equality
    ['nowhere:8080', '127.0.0.1:8080', false]
  ]
  it.each(cases)('%s vs %s → %s', async (a, b, expected) => {
    expect(await listenersConflict(a, b, resolveHost)).toBe(expected)
    expect(await listenersConflict(b, a, resolveHost)).toBe(expected)
  })
})

describe('TargetGuard', () => {
  const resolve = async (host: string): Promise<Array<{ address: string, family: number }>> =>
    host === 'mixed.test' ? [{ address: '10.0.0.1', family: 4 }, { address: '93.184.216.34', family: 4 }] : [{ address: '127.0.0.1', family: 4 }]

  it('blocks loopback, link-local, private, the VPN subnet and IPv4-mapped forms by default', async () => {
    const guard = new TargetGuard({ blockedSubnets: ['10.1.0.1/24'], resolve })
    for (const host of ['127.0.0.1', '[::1]', '169.254.169.254', '192.168.0.10', '172.20.0.1', '10.1.0.9', '::ffff:127.0.0.1', 'fe80::1', '0.0.0.0', 'localhost.test']) {
      await expect(guard.addresses(host), host).rejects.toBeInstanceOf(BlockedTargetError)
    }
    expect(await guard.addresses('93.184.216.34')).toEqual([{ address: '93.184.216.34', family: 4 }])
    // a name with a private and a public address may only reach the public one
    expect(await guard.addresses('mixed.test')).toEqual([{ address: '93.184.216.34', family: 4 }])
  })

  it('lets everything through with allowPrivate', async () => {
    const guard = new TargetGuard({ allowPrivate: true, resolve })
    expect(await guard.addresses('127.0.0.1')).toEqual([{ address: '127.0.0.1', family: 4 }])
  })

  it('rejects a blocked subnet that is not address/prefix', () => {
    expect(() => new TargetGuard({ blockedSubnets: ['10.1.0.1'] })).toThrow(InvalidSubnetError)
    expect(() => new TargetGuard({ blockedSubnets: ['10.1.0.1/33'] })).toThrow(InvalidSubnetError)
  })
})

describe('request targets', () => {
  it('reads absolute URIs, Host headers (TLS on port 443, as in Go) and CONNECT authorities', () => {
    expect(httpTarget('http://example.com/a?b', undefined)).toEqual({ hostname: 'example.com', port: 80, secure: false, path: '/a?b' })
    expect(httpTarget('/x', 'example.com:443')).toEqual({ hostname: 'example.com', port: 443, secure: true, path: '/x' })
    expect(httpTarget('/x', '[2001:db8::1]:8080')).toEqual({ hostname: '2001:db8::1', port: 8080, secure: false, path: '/x' })
    expect(() => httpTarget('/x', undefined)).toThrow(/neither an absolute URI nor a Host header/)
    expect(connectTarget('example.com:443')).toEqual({ hostname: 'example.com', port: 443 })
    expect(() => connectTarget('example.com')).toThrow(/not host:port/)
    expect(() => connectTarget('user@example.com:443')).toThrow(/not a host/)
  })
})

describe('pickEgress', () => {
  it('picks among egress keys with a fresh heartbeat only, every candidate reachable', async () => {
    const ledger = new Ledger({ mode: 'off', warn: () => {} })
    expect(pickEgress(ledger, 600_000)).toBeUndefined()
    await ledger.put('egress', 'a', 'ok')
    await ledger.put('egress', 'b', 'ok')
    await ledger.put('egress', 'stale', 'ok')
    await ledger.put('healthcheck', 'a', formatRfc3339(Date.now()))
    await ledger.put('healthcheck', 'b', formatRfc3339(Date.now()))
    await ledger.put('healthcheck', 'stale', formatRfc3339(Date.now() - 3_600_000))
    await ledger.put('healthcheck', 'not-egress', formatRfc3339(Date.now()))
    expect(pickEgress(ledger, 600_000, () => 0)).toBe('a')
    expect(pickEgress(ledger, 600_000, () => 0.99)).toBe('b')
  })
})
