/** Markdown tables padded to line up on a terminal too. */

export type Alignment = 'left' | 'right'

/**
 * @param align - per column; @default the first column left, the others right (figures)
 * @throws Error when a row has a different number of cells than the header
 */
export function formatTable (header: readonly string[], rows: ReadonlyArray<readonly string[]>, align?: readonly Alignment[]): string {
  for (const row of rows) {
    if (row.length !== header.length) throw new Error(`table row has ${row.length} cells, the header ${header.length}: ${row.join(' | ')}`)
  }
  const left = (column: number): boolean => (align?.[column] ?? (column === 0 ? 'left' : 'right')) === 'left'
  const widths = header.map((title, column) => Math.max(3, title.length, ...rows.map(row => row[column].length)))
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((cell, column) => left(column) ? cell.padEnd(widths[column]) : cell.padStart(widths[column])).join(' | ')} |`
  const rule = `|${widths.map((width, column) => left(column) ? `${'-'.repeat(width + 1)}-` : `${'-'.repeat(width + 1)}:`).join('|')}|`
  return [line(header), rule, ...rows.map(line)].join('\n')
}

/** A figure with `digits` decimals and thousands separators; `n/a` for a missing one. */
export function formatNumber (value: number, digits: number = 0): string {
  if (!Number.isFinite(value)) return 'n/a'
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
}
