/**
 * Grouped bar charts as standalone SVG (no dependencies): one panel per figure, one group of
 * bars per contender, one bar per series, each bar labelled with its value.
 */

export interface BarGroup {
  label: string
  /** One value per series; `NaN` when not measured (drawn as `n/a`). */
  values: number[]
}

export interface BarPanel {
  title: string
  /** Unit of the values, shown on the axis, e.g. `Mbit/s`. */
  unit: string
  series: string[]
  groups: BarGroup[]
}

export interface BarChart {
  title: string
  /** A smaller second line under the title. @default none */
  subtitle?: string
  panels: BarPanel[]
}

const WIDTH = 960
const PANEL_HEIGHT = 320
const MARGIN = { left: 80, right: 24, top: 44, bottom: 56 }
const HEADER_HEIGHT = 64
const COLORS = ['#3b6fb6', '#e08a2e', '#4f9d58', '#b8473f']
const FONT = 'font-family="DejaVu Sans, Helvetica, Arial, sans-serif"'

export function renderBarChart (chart: BarChart): string {
  const height = HEADER_HEIGHT + chart.panels.length * PANEL_HEIGHT
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" ${FONT}>`,
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    `<text x="${WIDTH / 2}" y="28" font-size="20" font-weight="bold" text-anchor="middle">${escapeXml(chart.title)}</text>`
  ]
  if (chart.subtitle !== undefined) {
    parts.push(`<text x="${WIDTH / 2}" y="50" font-size="13" fill="#555" text-anchor="middle">${escapeXml(chart.subtitle)}</text>`)
  }
  chart.panels.forEach((panel, i) => { parts.push(renderPanel(panel, HEADER_HEIGHT + i * PANEL_HEIGHT)) })
  parts.push('</svg>')
  return `${parts.join('\n')}\n`
}

function renderPanel (panel: BarPanel, top: number): string {
  const plotTop = top + MARGIN.top
  const plotHeight = PANEL_HEIGHT - MARGIN.top - MARGIN.bottom
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right
  const finite = panel.groups.flatMap(group => group.values).filter(Number.isFinite)
  const ticks = niceTicks(Math.max(0, ...finite))
  const top0 = ticks.at(-1) ?? 1
  const y = (value: number): number => plotTop + plotHeight - (value / top0) * plotHeight
  const parts = [`<text x="${MARGIN.left}" y="${top + 24}" font-size="15" font-weight="bold">${escapeXml(panel.title)}</text>`]

  // Legend, right-aligned on the title line.
  let legendX = WIDTH - MARGIN.right
  for (const [i, name] of [...panel.series.entries()].reverse()) {
    legendX -= name.length * 7 + 34
    parts.push(`<rect x="${legendX}" y="${top + 13}" width="12" height="12" fill="${COLORS[i % COLORS.length]}"/>`,
      `<text x="${legendX + 17}" y="${top + 23}" font-size="12">${escapeXml(name)}</text>`)
  }

  for (const tick of ticks) {
    parts.push(`<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${y(tick)}" y2="${y(tick)}" stroke="#e3e3e3"/>`,
      `<text x="${MARGIN.left - 8}" y="${y(tick) + 4}" font-size="11" text-anchor="end" fill="#444">${formatTick(tick)}</text>`)
  }
  parts.push(`<text transform="translate(${18} ${plotTop + plotHeight / 2}) rotate(-90)" font-size="12" text-anchor="middle" fill="#444">${escapeXml(panel.unit)}</text>`,
    `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${y(0)}" y2="${y(0)}" stroke="#888"/>`)

  const groupWidth = plotWidth / Math.max(1, panel.groups.length)
  const barWidth = Math.min(56, (groupWidth * 0.7) / Math.max(1, panel.series.length))
  panel.groups.forEach((group, g) => {
    const center = MARGIN.left + groupWidth * (g + 0.5)
    const first = center - (barWidth * panel.series.length) / 2
    group.values.forEach((value, s) => {
      const x = first + s * barWidth
      const label = Number.isFinite(value) ? formatValue(value) : 'n/a'
      if (Number.isFinite(value)) {
        const barTop = y(Math.max(0, value))
        parts.push(`<rect x="${x + 2}" y="${barTop}" width="${barWidth - 4}" height="${y(0) - barTop}" fill="${COLORS[s % COLORS.length]}"/>`)
      }
      parts.push(`<text x="${x + barWidth / 2}" y="${y(Number.isFinite(value) ? Math.max(0, value) : 0) - 4}" font-size="11" text-anchor="middle">${label}</text>`)
    })
    parts.push(`<text x="${center}" y="${y(0) + 20}" font-size="13" text-anchor="middle">${escapeXml(group.label)}</text>`)
  })
  return parts.join('\n')
}

/** Axis ticks from 0 to at least `max`, 4 to 10 of them, on steps of 1, 2 or 5 × 10^n. */
export function niceTicks (max: number): number[] {
  if (!(max > 0)) return [0, 1]
  const rough = max / 5
  const magnitude = 10 ** Math.floor(Math.log10(rough))
  const step = ([1, 2, 5, 10].find(factor => factor * magnitude >= rough) ?? 10) * magnitude
  const count = Math.ceil(max / step - 1e-9)
  return Array.from({ length: count + 1 }, (_, i) => Number((i * step).toPrecision(12)))
}

function formatTick (value: number): string {
  return value.toLocaleString('en-US', { maximumFractionDigits: 3 })
}

/** Three significant figures, no exponent. */
function formatValue (value: number): string {
  if (value === 0) return '0'
  const digits = Math.max(0, 2 - Math.floor(Math.log10(Math.abs(value))))
  return value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 })
}

export function escapeXml (text: string): string {
  return text.replace(/[<>&"']/g, char => `&#${char.charCodeAt(0)};`)
}
