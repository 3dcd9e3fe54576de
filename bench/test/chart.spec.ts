import { describe, expect, it } from 'vitest'
import { benchChart } from '../src/lib/report.js'
import { escapeXml, niceTicks, renderBarChart } from '../src/lib/chart.js'
import { svgSize } from '../src/lib/png.js'
import { report } from './fixtures.js'

describe('niceTicks', () => {
  it('covers the largest value on steps of 1, 2 or 5 times a power of ten', () => {
    expect(niceTicks(446)).toEqual([0, 100, 200, 300, 400, 500])
    expect(niceTicks(108)).toEqual([0, 50, 100, 150])
    expect(niceTicks(0.33)).toEqual([0, 0.1, 0.2, 0.3, 0.4])
    expect(niceTicks(1000)).toEqual([0, 200, 400, 600, 800, 1000])
  })

  it('draws an empty axis from 0 to 1 without data', () => {
    expect(niceTicks(0)).toEqual([0, 1])
    expect(niceTicks(NaN)).toEqual([0, 1])
  })
})

describe('renderBarChart', () => {
  it('draws one bar per measured value with its label, and n/a for a missing one', () => {
    const svg = renderBarChart({
      title: 'T & <t>',
      panels: [{ title: 'speed', unit: 'Mbit/s', series: ['1 stream', '4 streams'], groups: [{ label: 'a', values: [446, 274] }, { label: 'b', values: [NaN, 12.5] }] }]
    })
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true)
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true)
    expect(svg).toContain('T &#38; &#60;t&#62;')
    const rects = [...svg.matchAll(/<rect x="[\d.]+" y="[\d.]+" width="([\d.]+)" height="([\d.]+)"/g)].map(m => [Number(m[1]), Number(m[2])])
    const bars = rects.filter(([width]) => width !== 12).map(([, height]) => height) // legend swatches are 12 wide
    expect(bars).toHaveLength(3)
    expect(bars[0] / bars[1]).toBeCloseTo(446 / 274)
    for (const label of ['>446<', '>274<', '>12.5<', '>n/a<', '>Mbit/s<']) expect(svg).toContain(label)
    expect(svgSize(svg)).toEqual({ width: 960, height: 384 })
  })

  it('charts throughput and loaded ping of the measured contenders only', () => {
    const chart = benchChart(report())
    expect(chart.panels.map(p => p.groups.map(g => g.label))).toEqual([['edgevpn', 'nebula'], ['edgevpn', 'nebula']])
    const [oneStream, fourStreams] = chart.panels[0].groups[0].values
    expect(oneStream).toBe(1000)
    expect(fourStreams).toBeCloseTo(1100)
    expect(chart.panels[1].groups[1].values).toEqual([0.5, 2])
    expect(chart.subtitle).toContain('raw link 20,000 / 30,000 Mbit/s (not drawn)')
  })

  it('escapes every XML special character', () => {
    expect(escapeXml(`<a href="x">'&'</a>`)).toBe('&#60;a href=&#34;x&#34;&#62;&#39;&#38;&#39;&#60;/a&#62;')
  })
})
