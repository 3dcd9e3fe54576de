import { describe, expect, it } from 'vitest'
import { formatReport, idleBytesPerNodeHour, vpnTable } from '../src/lib/report.js'
import { formatNumber, formatTable } from '../src/lib/table.js'
import { checkTargets } from '../src/lib/targets.js'
import { report, scale, scaleRow, suite, tunnel } from './fixtures.js'
import type { VpnSuiteResult } from '../src/lib/results.js'

describe('formatTable', () => {
  it('pads every column to its widest cell, text left and figures right', () => {
    const table = formatTable(['path', 'Mbit/s'], [['raw link', '20,000'], ['edgevpn', '9']])
    expect(table.split('\n')).toEqual([
      '| path     | Mbit/s |',
      '|----------|-------:|',
      '| raw link | 20,000 |',
      '| edgevpn  |      9 |'
    ])
  })

  it('aligns columns as asked', () => {
    expect(formatTable(['target', 'result'], [['RSS', 'PASS']], ['left', 'left']).split('\n')).toEqual([
      '| target | result |',
      '|--------|--------|',
      '| RSS    | PASS   |'
    ])
  })

  it('refuses a row with the wrong number of cells', () => {
    expect(() => formatTable(['a', 'b'], [['1']])).toThrow(/1 cells, the header 2/)
  })

  it('formats figures with separators and marks missing ones', () => {
    expect(formatNumber(1779.4)).toBe('1,779')
    expect(formatNumber(0.0567, 3)).toBe('0.057')
    expect(formatNumber(NaN)).toBe('n/a')
  })
})

describe('checkTargets', () => {
  const statuses = (vpn: VpnSuiteResult): Record<string, string> => Object.fromEntries(checkTargets(vpn).map(c => [c.target, c.status]))

  it('passes each target the figures of one run meet', () => {
    expect(statuses(suite())).toEqual({
      'TCP 1 stream >= 1x nebula': 'PASS', // 1000 / 800
      'ping under load p99 < 5 ms': 'PASS', // 4 ms, no loss
      'idle ping p50 <= 2x nebula': 'PASS', // 0.5 / 0.3
      'idle RSS per daemon < 120 MB': 'PASS', // 100 MiB = 104.9 MB
      'first ping < 3 s after start': 'PASS' // 2.5 s
    })
    expect(checkTargets(suite())[0].measured).toBe('1.25x (1,000 / 800 Mbit/s)')
  })

  it('fails a slow, lossy, large tunnel, counting memory in MB rather than MiB', () => {
    const vpn = suite()
    const slow = tunnel(500, 0.9, 4, 115, 3700)
    slow.pingLoaded.received = slow.pingLoaded.sent - 1
    vpn.contenders[0] = { name: 'edgevpn', status: 'measured', description: 'x', result: slow }
    expect(statuses(vpn)).toEqual({
      'TCP 1 stream >= 1x nebula': 'FAIL', // 0.5x
      'ping under load p99 < 5 ms': 'FAIL', // 4 ms, but a ping was lost
      'idle ping p50 <= 2x nebula': 'FAIL', // 3x
      'idle RSS per daemon < 120 MB': 'FAIL', // 115 MiB = 120.6 MB
      'first ping < 3 s after start': 'FAIL'
    })
  })

  it('checks the cost of a mesh at rest at 100 nodes, and its growth from 10', () => {
    const scaleStatuses = (result = scale()): Record<string, string> => Object.fromEntries(checkTargets(suite(), result).slice(5).map(c => [c.target, c.status]))
    expect(scaleStatuses()).toEqual({
      '100 daemons form one mesh: all sampled pairs ping, writes on all with p99 < 1 s, every API answers': 'PASS',
      'at rest, 100 nodes: < 5 MB/h per node': 'PASS',
      'at rest, 100 nodes: < 0.5 % of a core per daemon': 'PASS',
      'at rest, 100 nodes cost <= 1.5x 10 nodes per node (traffic and CPU)': 'PASS', // 1.33x both
      'RSS per daemon < 120 MB at 100 nodes': 'PASS'
    })
    const grown = scale()
    grown.rows[2] = { ...scaleRow(100, 4.6, 0.4, 121), pairsPinged: 19 }
    expect(Object.values(scaleStatuses(grown))).toEqual(['FAIL', 'PASS', 'PASS', 'FAIL', 'FAIL'])
    expect(Object.values(scaleStatuses({ ...scale(), rows: scale().rows.slice(0, 2) }))).toEqual(Array(5).fill('NO DATA'))
  })

  it('says NO DATA when nebula was not measured', () => {
    const vpn: VpnSuiteResult = { ...suite(), contenders: suite().contenders.filter(c => c.name !== 'nebula') }
    const checks = checkTargets(vpn)
    expect(checks.filter(c => c.status === 'NO DATA').map(c => c.target)).toEqual(['TCP 1 stream >= 1x nebula', 'idle ping p50 <= 2x nebula'])
  })
})

describe('report', () => {
  it('has a row per measured path and says why the others are missing', () => {
    const table = vpnTable(suite())
    expect(table.split('\n').slice(2).map(line => line.split('|')[1].trim())).toEqual(['raw link', 'edgevpn', 'nebula'])
    const text = formatReport(report())
    expect(text).toContain('- tinc: SKIPPED, tincd not found (Debian package tinc): apt-get failed')
    expect(text).toContain('- wireguard-go: FAILED, no ping reply from 10.1.0.2 within 60 s')
    expect(text).toContain('Command: `npm run bench`')
    expect(text).toContain('- FAILED: 50 nodes: the benchmark exited with 1')
  })

  it('has a scale section with a row per mesh size and what each node sent', () => {
    const text = formatReport({ ...report(), scale: { ...scale(), failures: ['200 nodes: node-7 is not connected to 8 others after 1000 s'] } })
    expect(text).toContain('### Scale: real daemons')
    expect(text).toMatch(/\| 100 +\| +150\.0 \| +20\/20 \| +20\/20 \| +300 \/ 700 \| +40 \| +100\/100 \| +4\.0 \| +0\.40 \| +110 \/ 115 \|/)
    expect(text).toMatch(/\| stream \/edgevpn-ts\/ledger-sync\/1\.1\.0 \| +1\.20 \| +1\.20 \| +1\.20 \|/)
    expect(text).toContain('- FAILED: 200 nodes: node-7 is not connected')
  })

  it('scales the idle ledger traffic to an hour', () => {
    const rows = report().ledger?.rows ?? []
    expect(idleBytesPerNodeHour(rows[0])).toBe(283_000 * 60)
    expect(formatReport(report())).toMatch(/\| 10 +\|.*\| +16,980 \|/)
  })
})
