import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { BenchFlagError, parseBenchOptions } from '../src/lib/flags.js'
import { percentile, summarizePing } from '../src/lib/measure.js'
import { Progress } from '../src/lib/progress.js'

const KNOWN = ['edgevpn', 'nebula', 'tinc', 'wireguard-go']

describe('parseBenchOptions', () => {
  it('measures everything for 10 s per run by default', () => {
    expect(parseBenchOptions([], KNOWN)).toEqual({ seconds: 10, contenders: KNOWN, ledgerSizes: [10, 50], ledgerWrites: 10, ledgerIdleSeconds: 20, scaleSizes: [10, 50, 100], scaleSettleSeconds: 60, scaleWindowSeconds: 120 })
  })

  it('keeps the run order whatever the order of --only', () => {
    const options = parseBenchOptions(['--only', 'nebula,edgevpn', '--seconds', '5', '--skip-ledger', '--skip-scale'], KNOWN)
    expect(options.contenders).toEqual(['edgevpn', 'nebula'])
    expect(options.seconds).toBe(5)
    expect(options.ledgerSizes).toEqual([])
    expect(options.scaleSizes).toEqual([])
  })

  it('shortens everything with --quick unless --seconds says otherwise', () => {
    expect(parseBenchOptions(['--quick'], KNOWN)).toMatchObject({ seconds: 3, ledgerSizes: [10], scaleSizes: [10] })
    expect(parseBenchOptions(['--quick', '--seconds', '4'], KNOWN).seconds).toBe(4)
  })

  it.each([
    [['--only', 'openvpn'], /unknown contender openvpn/],
    [['--only', ','], /at least one contender/],
    [['--seconds', 'ten'], /--seconds must be a whole number/],
    [['--seconds'], /--seconds needs a value/],
    [['--fast'], /unknown flag --fast/]
  ])('refuses %j', (argv, message) => {
    expect(() => parseBenchOptions(argv, KNOWN)).toThrow(BenchFlagError)
    expect(() => parseBenchOptions(argv, KNOWN)).toThrow(message)
  })
})

describe('each benchmark script', () => {
  // built by `npm run build` (the test command builds first)
  it.each(['main', 'scale', 'nat-paths', 'vpn-throughput', 'dns-qps', 'ledger-convergence'])('%s refuses an unknown flag in one line, before it sets anything up', script => {
    const path = fileURLToPath(new URL(`../dist/${script}.js`, import.meta.url))
    const run = spawnSync(process.execPath, [path, '--help'], { encoding: 'utf8', timeout: 30_000 })
    expect(run.status).toBe(2)
    expect(run.stderr.trim()).toMatch(/^[\w-]+: unknown flag --help \(flags: .+\)$/)
    expect(run.stdout).toBe('')
  })
})

describe('ping statistics', () => {
  it('takes nearest-rank percentiles', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1)
    expect(percentile(sorted, 0.5)).toBe(50)
    expect(percentile(sorted, 0.99)).toBe(99)
    expect(percentile([7], 0.99)).toBe(7)
    expect(percentile([], 0.5)).toBeNaN()
  })

  it('reads round trips from ping output and counts the lost ones', () => {
    const output = [
      'PING 10.1.0.2 (10.1.0.2) 56(84) bytes of data.',
      '64 bytes from 10.1.0.2: icmp_seq=1 ttl=64 time=2.31 ms',
      '64 bytes from 10.1.0.2: icmp_seq=2 ttl=64 time=0.412 ms',
      '64 bytes from 10.1.0.2: icmp_seq=4 ttl=64 time=11.0 ms',
      '--- 10.1.0.2 ping statistics ---',
      '4 packets transmitted, 3 received, 25% packet loss, time 3004ms'
    ].join('\n')
    expect(summarizePing(output, 4)).toEqual({ sent: 4, received: 3, p50: 2.31, p99: 11, max: 11 })
  })
})

describe('Progress', () => {
  it('numbers steps against the planned total, skipped steps included', () => {
    const lines: string[] = []
    const progress = new Progress(line => lines.push(line))
    progress.plan(4)
    progress.step('raw link: ping idle')
    progress.skip(2)
    progress.note('nebula failed')
    progress.step('ledger: 10 nodes')
    expect(lines).toEqual(['[1/4] raw link: ping idle…', '      nebula failed', '[4/4] ledger: 10 nodes…'])
  })
})
