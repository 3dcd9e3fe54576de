import { describe, expect, it } from 'vitest'
import { defaultRegistry, InvalidOwnershipModeError, isLive, ownerFromPeerIdField, parseOwnershipMode, policyFor } from '../src/index.js'

describe('parseOwnershipMode (ownership_test.go)', () => {
  it('accepts the spellings and aliases, trimmed and case-insensitive', () => {
    const cases: Record<string, string> = {
      '': 'off', off: 'off', OFF: 'off', ' off ': 'off', observe: 'observe', log: 'observe', 'Log-Only': 'observe',
      enforce: 'enforce', ENFORCE: 'enforce', on: 'enforce', '\ton\n': 'enforce'
    }
    for (const [text, mode] of Object.entries(cases)) expect(parseOwnershipMode(text), text).toBe(mode)
  })

  it('rejects anything else with an error naming the value and the modes', () => {
    for (const bad of ['enabled', 'true', 'yes', '1', 'enforcing', 'observer', 'no', 'disable']) {
      let error: unknown
      try {
        parseOwnershipMode(bad)
      } catch (err) {
        error = err
      }
      expect(error).toBeInstanceOf(InvalidOwnershipModeError)
      const message = (error as Error).message
      expect(message).toContain(`"${bad}"`)
      for (const mode of ['"off"', '"observe"', '"enforce"']) expect(message).toContain(mode)
    }
    expect(() => parseOwnershipMode('enabled')).toThrow('invalid ownership mode "enabled": must be one of "off" (legacy, no authentication), "observe" (sign and log violations; aliases "log", "log-only") or "enforce" (sign and reject unauthorized writes; alias "on")')
  })
})

describe('policy (policy_test.go)', () => {
  const now = Date.UTC(2026, 0, 1, 12)
  const health = new Map([
    ['fresh', '"2026-01-01T11:59:50Z"'],
    ['old', '"2026-01-01T11:50:00Z"'],
    ['garbage', '"yesterday"'],
    ['notastring', '12']
  ])

  it('IsLive: 10 s old is live with a 1 min TTL, 10 min old is not, unknown is not', () => {
    expect(isLive(health, 'fresh', 60_000, now)).toBe(true)
    expect(isLive(health, 'old', 60_000, now)).toBe(false)
    expect(isLive(health, 'unknown', 60_000, now)).toBe(false)
    expect(isLive(health, 'garbage', 60_000, now)).toBe(false)
    expect(isLive(health, 'notastring', 60_000, now)).toBe(false)
    // strictly after: exactly at the boundary is not live
    expect(isLive(health, 'fresh', 10_000, now)).toBe(false)
  })

  it('derives owners and ownership per bucket', () => {
    const registry = defaultRegistry(60_000)
    const machines = policyFor(registry, 'machines')
    expect(machines.owned).toBe(true)
    expect(machines.ownerOf?.('10.1.0.1', '{"PeerID":"12D3A","Address":"10.1.0.1"}')).toBe('12D3A')
    expect(ownerFromPeerIdField('k', '{"peerid":"lower"}')).toBe('lower')
    expect(ownerFromPeerIdField('k', 'not json')).toBe('')
    expect(ownerFromPeerIdField('k', '"string"')).toBe('')
    expect(policyFor(registry, 'users').ownerOf?.('12D3U', '{}')).toBe('12D3U')
    expect(policyFor(registry, 'healthcheck')).toMatchObject({ owned: true, expiry: 'absolute', ttlMs: 60_000 })
    expect(policyFor(registry, 'dns')).toMatchObject({ owned: true, ownerOf: undefined, expiry: 'liveness' })
    for (const open of ['dhcp', 'trustzone', 'trustzoneAuth', 'nodes']) expect(policyFor(registry, open).owned, open).toBe(false)
  })
})
