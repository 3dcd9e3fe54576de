import { describe, expect, it } from 'vitest'
import { computeSlopes } from '../src/soak/run-soak.js'
import { sumMetric } from '../src/soak/prometheus-samples.js'
import { fitTrend, windowMinima } from '../src/soak/trend.js'
import type { SoakSample } from '../src/soak/run-soak.js'

describe('soak trends', () => {
  it('fits the slope per hour of a straight line exactly, with no error', () => {
    // 6 MiB per minute = 360 MiB per hour
    const trend = fitTrend([0, 60, 120, 180].map(t => ({ t, value: 100 + t / 10 })))
    expect(trend.perHour).toBeCloseTo(360)
    expect(trend.stderrPerHour).toBeCloseTo(0)
    expect(trend.points).toBe(4)
  })

  it('gives noise around a flat line a slope near zero and a standard error', () => {
    const trend = fitTrend([0, 10, 20, 30, 40, 50].map((t, i) => ({ t, value: i % 2 === 0 ? 10 : 12 })))
    expect(Math.abs(trend.perHour)).toBeLessThan(Math.abs(trend.stderrPerHour) * 3)
    expect(trend.stderrPerHour).toBeGreaterThan(0)
  })

  it('refuses fewer than two points or a single time', () => {
    expect(() => fitTrend([{ t: 0, value: 1 }])).toThrow(RangeError)
    expect(() => fitTrend([{ t: 5, value: 1 }, { t: 5, value: 2 }])).toThrow(RangeError)
  })

  it('keeps the lowest point of each window', () => {
    const points = [{ t: 0, value: 5 }, { t: 20, value: 3 }, { t: 59, value: 4 }, { t: 60, value: 9 }, { t: 90, value: 7 }]
    expect(windowMinima(points, 60)).toEqual([{ t: 20, value: 3 }, { t: 90, value: 7 }])
  })

  it('sums every label set of a metric and nothing of metrics that share its prefix', () => {
    const body = [
      '# HELP edgevpn_libp2p_streams Open streams.',
      'edgevpn_libp2p_streams{protocol="/a"} 3',
      'edgevpn_libp2p_streams{protocol="/b"} 4',
      'edgevpn_libp2p_streams_total 100',
      'process_open_fds 41'
    ].join('\n')
    expect(sumMetric(body, 'edgevpn_libp2p_streams')).toBe(7)
    expect(sumMetric(body, 'process_open_fds')).toBe(41)
    expect(sumMetric(body, 'edgevpn_libp2p_connections')).toBeUndefined()
  })

  it('fails a daemon whose fds grow and passes one whose count is flat, after the warm-up only', () => {
    const samples: SoakSample[] = []
    for (let t = 0; t <= 600; t += 10) {
      const values = { rss: 150, heap: 30, external: 10, connections: 8, streams: 16 }
      // node-1 opens one fd a minute (60 per hour) after a noisy warm-up; node-2 stays flat
      samples.push({ node: 'node-1', t, values: { ...values, fds: t < 180 ? 45 + (t % 30) : 45 + Math.floor(t / 60) } })
      samples.push({ node: 'node-2', t, values: { ...values, fds: 45 } })
    }
    const slopes = computeSlopes(samples, ['node-1', 'node-2'], 180)
    const fds = (node: string): { perHour: number, passed: boolean } => slopes.find(s => s.node === node && s.metric === 'fds')!
    expect(fds('node-1').perHour).toBeCloseTo(60, -1)
    expect(fds('node-1').passed).toBe(false)
    expect(fds('node-2')).toMatchObject({ perHour: 0, passed: true })
    expect(slopes.filter(s => s.node === 'node-2').every(s => s.passed)).toBe(true)
  })

  it('passes one late step of a count (a socket pair replaced) but not a second one', () => {
    const samples: SoakSample[] = []
    for (let t = 180; t <= 600; t += 10) {
      const values = { rss: 150, heap: 30, external: 10, connections: 8, streams: 16 }
      // node-1: 58 -> 60 fds at minute 8, as in a CI soak where a fast channel reconnected
      samples.push({ node: 'node-1', t, values: { ...values, fds: t < 480 ? 58 : 60 } })
      samples.push({ node: 'node-2', t, values: { ...values, fds: t < 360 ? 58 : t < 480 ? 60 : 62 } })
    }
    const slopes = computeSlopes(samples, ['node-1', 'node-2'], 180)
    const fds = (node: string): { perHour: number, passed: boolean } => slopes.find(s => s.node === node && s.metric === 'fds')!
    expect(fds('node-1').perHour).toBeGreaterThan(5)
    expect(fds('node-1').passed).toBe(true)
    expect(fds('node-2').passed).toBe(false)
  })
})
