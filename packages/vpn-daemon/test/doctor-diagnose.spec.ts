/**
 * The judgement of `edgevpn doctor` on observations the namespace tests cannot easily produce:
 * partial skew, a foreign token, the local daemon only, failed dials, Go members, public and
 * NATed addresses.
 */
import { generateNetworkConfig } from '@edgevpn/mesh-core'
import { describe, expect, it } from 'vitest'
import { assessReachability, assessSkew, diagnose } from '../src/doctor/index.js'
import type { DoctorObservation, PeerObservation } from '../src/doctor/index.js'

const network = generateNetworkConfig({ interval: 60n })

function observation (peers: PeerObservation[], changes: Partial<DoctorObservation> = {}): DoctorObservation {
  return {
    durationMs: 20_000,
    fingerprint: '0123456789ab',
    peerId: 'self',
    addresses: ['/ip4/192.168.1.5/tcp/4001'],
    observedAddresses: [],
    relays: [],
    mdns: { enabled: true, responders: [] },
    dht: { enabled: true, routingTableSize: 0, bootstrap: [], searches: [] },
    peers,
    ...changes
  }
}

function peer (changes: Partial<PeerObservation> = {}): PeerObservation {
  return { id: 'peer-a', discoveredVia: 'mdns', connected: true, link: 'direct', sameHost: false, onLedgerTopic: false, ...changes }
}

const member = (offsetMs: number): Partial<PeerObservation> => ({ clock: { offsetMs, rttMs: 2, member: true } })

describe('doctor diagnosis', () => {
  it('accepts a member with some skew but warns how often the OTP windows disagree', () => {
    const result = diagnose(observation([peer(member(30_000))]), network)
    expect(result.healthy).toBe(true)
    expect(result.verdict).toBe('ok: 1 mesh peer(s) connected (1 direct, 0 relayed)')
    expect(result.warnings).toEqual([expect.stringContaining('disagree 50% of the time')])
  })

  it('counts a Go member on the ledger topic without a clock reading', () => {
    const result = diagnose(observation([peer({ onLedgerTopic: true, clockError: 'protocol selection failed', link: 'relayed' })]), network)
    expect(result.healthy).toBe(true)
    expect(result.verdict).toBe('ok: 1 mesh peer(s) connected (0 direct, 1 relayed)')
  })

  it('names a node that holds a different token', () => {
    const result = diagnose(observation([peer({ clock: { offsetMs: 0, rttMs: 2, member: false } })]), network)
    expect(result.healthy).toBe(false)
    expect(result.verdict).toMatch(/^connected to 1 edgevpn node\(s\) holding a different token \(peer-a\): compare the token fingerprint 0123456789ab/)
  })

  it('does not count the daemon running on this machine', () => {
    const result = diagnose(observation([peer({ ...member(0), sameHost: true })]), network)
    expect(result.healthy).toBe(false)
    expect(result.verdict).toMatch(/^only members on this machine answered \(peer-a/)
  })

  it('reports peers that were found but could not be dialed', () => {
    const result = diagnose(observation([peer({ connected: false, link: 'none', discoveredVia: 'dht', lastError: 'ECONNREFUSED' })]), network)
    expect(result.verdict).toBe('found 1 peer(s) but could not connect: peer-a via dht: ECONNREFUSED')
  })

  it('ignores skew when the token never rotates', () => {
    const fixed = generateNetworkConfig({ interval: -1n })
    expect(assessSkew(3_600_000, fixed).level).toBe('ok')
    expect(assessSkew(3_600_000, network).level).toBe('split')
  })

  it('tells public, NATed and private reachability apart', () => {
    expect(assessReachability(observation([], { addresses: ['/ip4/1.2.3.4/tcp/4001'] })).level).toBe('public')
    expect(assessReachability(observation([], { observedAddresses: ['/ip4/5.6.7.8/tcp/5555'] })).level).toBe('nat')
    expect(assessReachability(observation([])).summary).toBe('private addresses only: reachable by nodes on the same networks, and through no relay')
    expect(assessReachability(observation([], { addresses: ['/ip4/127.0.0.1/tcp/4001'] })).level).toBe('loopback')
  })
})
