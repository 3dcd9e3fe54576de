/**
 * `edgevpn doctor` against real nodes in network namespaces: an isolated node (a bridge with no
 * one else, an unreachable DHT bootstrap peer, mDNS on), two nodes with one token that find each
 * other with mDNS, a member whose clock runs 95 s ahead with a 60 s OTP interval, and a bad token.
 *
 * Spawned processes run the BUILT CLI: `npx tsc -b` first.
 */
import { fileURLToPath } from 'node:url'
import { createInterface } from 'node:readline'
import { encodeToken, generateNetworkConfig } from '@edgevpn/mesh-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createNetnsLab, netnsUnavailableReason, stopProcess, EDGEVPN_CLI, LabDaemon } from '@edgevpn/testbed'
import type { Diagnosis, DoctorObservation } from '../src/doctor/index.js'
import type { LabHost, NetnsLab } from '@edgevpn/testbed'
import type { ChildProcess } from 'node:child_process'

const skipReason = netnsUnavailableReason()
const SKEWED_NODE = fileURLToPath(new URL('./fixtures/skewed-node.ts', import.meta.url))
/** A peer ID nobody has: the DHT bootstrap peer that cannot be reached. */
const NOBODY = '12D3KooWQYV9dGMFoRzNStwpXztXaBUjtPqi6aU76ZgUriHhKust'

interface DoctorResult { code: number | null, stdout: string, stderr: string }
type JsonReport = Diagnosis & { observation: DoctorObservation }

/** A fresh token whose OTP values rotate every minute. */
const newToken = (): string => encodeToken(generateNetworkConfig({ interval: 60n }))

/** Runs `edgevpn doctor` in a lab host to its end. */
async function doctor (lab: NetnsLab, host: LabHost, args: string[]): Promise<DoctorResult> {
  const child = lab.spawn(host, process.execPath, [EDGEVPN_CLI, 'doctor', ...args], { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' } })
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (chunk: Buffer) => { stdout += chunk.toString() })
  child.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  const code = await new Promise<number | null>(resolve => child.once('close', resolve))
  return { code, stdout, stderr }
}

function parseReport (result: DoctorResult): JsonReport {
  try {
    return JSON.parse(result.stdout) as JsonReport
  } catch {
    throw new Error(`doctor printed no JSON report (exit ${result.code}):\n${result.stdout}\n${result.stderr}`)
  }
}

describe.skipIf(skipReason !== undefined)('edgevpn doctor on an isolated node', () => {
  let lab: NetnsLab

  beforeAll(async () => {
    lab = await createNetnsLab({ prefix: 'evtd', hosts: 1, subnet: '10.254.71' })
  })

  afterAll(async () => {
    await lab?.destroy()
  })

  it('exits 1 and names every discovery source that found no one', async () => {
    const result = await doctor(lab, lab.hosts[0], [
      '--token', newToken(), '--doctor-timeout', '10s',
      // an address on the lab's bridge where no host answers
      '--discovery-bootstrap-peers', `/ip4/10.254.71.99/tcp/4001/p2p/${NOBODY}`
    ])
    expect(result.code, result.stdout + result.stderr).toBe(1)
    const verdict = result.stdout.split('\n').find(line => line.startsWith('verdict: '))
    expect(verdict).toMatch(/^verdict: no peers: no discovery source found anyone — /)
    expect(verdict).toContain(`DHT bootstrap peers unreachable (${NOBODY}: `)
    expect(verdict).toContain('mDNS: no node on the LAN answered')
    expect(result.stdout).toMatch(/token fingerprint [0-9a-f]{12}/)
    expect(result.stdout).toContain('0 connected')
  }, 60_000)
})

describe.skipIf(skipReason !== undefined)('edgevpn doctor with other nodes on the LAN', () => {
  let lab: NetnsLab
  const children: ChildProcess[] = []

  beforeAll(async () => {
    lab = await createNetnsLab({ prefix: 'evtd', hosts: 3, subnet: '10.254.72' })
  })

  afterAll(async () => {
    await Promise.all(children.map(async child => { await stopProcess(child) }))
    await lab?.destroy()
  })

  it('finds a member through mDNS, exits 0 and measures a small clock skew', async () => {
    const token = newToken()
    const member = new LabDaemon(lab, lab.hosts[1], { name: 'member', args: ['start', '--token', token] })
    const started = await member.waitForLog(record => record.message === 'node started')
    try {
      const result = await doctor(lab, lab.hosts[0], ['--token', token, '--json'])
      expect(result.code, result.stdout + result.stderr).toBe(0)
      const report = parseReport(result)
      expect(report.healthy).toBe(true)
      expect(report.verdict).toMatch(/^ok: 1 mesh peer\(s\) connected \(1 direct, 0 relayed\)/)
      const peer = report.observation.peers.find(candidate => candidate.id === started.peerId)
      expect(peer?.connected).toBe(true)
      expect(peer?.clock?.member).toBe(true)
      // one machine, one clock: what remains is the error of the round-trip estimate
      expect(Math.abs(peer?.clock?.offsetMs ?? Infinity)).toBeLessThan(2000)
      expect(report.observation.mdns.responders).toContain(started.peerId)
    } finally {
      await member.stop()
    }
  }, 90_000)

  it('reports a member whose clock is ahead by more than the OTP interval', async () => {
    const token = newToken()
    const child = lab.spawn(lab.hosts[2], process.execPath, [SKEWED_NODE, '95000', '--token', token], { stdio: ['ignore', 'ignore', 'pipe'] })
    children.push(child)
    const peerId = await new Promise<string>((resolve, reject) => {
      const lines: string[] = []
      createInterface({ input: child.stderr! }).on('line', line => {
        lines.push(line)
        const peerId = /"message":"node started".*"peerId":"(\w+)"/.exec(line)?.[1]
        if (peerId !== undefined) resolve(peerId)
      })
      child.once('exit', code => { reject(new Error(`skewed node exited (${code}):\n${lines.join('\n')}`)) })
    })

    // no usable member: the doctor watches until its timeout
    const result = await doctor(lab, lab.hosts[0], ['--token', token, '--json', '--doctor-timeout', '12s'])
    expect(result.code, result.stdout + result.stderr).toBe(1)
    const report = parseReport(result)
    expect(report.healthy).toBe(false)
    expect(report.verdict).toMatch(new RegExp(`^clock skew 9\\d\\.\\d s with peer ${peerId} \\(its clock is ahead\\) exceeds the OTP interval 60 s`))
    const peer = report.observation.peers.find(candidate => candidate.id === peerId)
    expect(peer?.clock?.member).toBe(true)
    expect(peer?.clock?.offsetMs).toBeGreaterThan(93_000)
    expect(peer?.clock?.offsetMs).toBeLessThan(97_000)
  }, 90_000)

  it('refuses a bad token with one error line and exit status 1', async () => {
    const result = await doctor(lab, lab.hosts[0], ['--token', 'not base64!'])
    expect(result.code).toBe(1)
    expect(result.stdout).toBe('')
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^edgevpn: invalid network token: /)])
  })
})
