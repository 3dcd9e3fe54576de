/** Renders an SVG file to PNG with whatever this machine has: `rsvg-convert`, else headless chromium. */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { promisify } from 'node:util'
import { pathToFileURL } from 'node:url'

const run = promisify(execFile)

/**
 * @returns the tool that rendered it, or `undefined` when none is installed or rendering failed
 *   (the PNG is optional; the SVG is the chart)
 */
export async function svgToPng (svgFile: string, pngFile: string, width: number, height: number): Promise<string | undefined> {
  const attempts: Array<[string, string[]]> = [
    ['rsvg-convert', ['-w', String(width), '-h', String(height), '-o', pngFile, svgFile]],
    ['chromium', ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', `--window-size=${width},${height}`,
      `--screenshot=${pngFile}`, pathToFileURL(svgFile).href]]
  ]
  for (const [tool, args] of attempts) {
    try {
      await run(tool, args, { timeout: 60_000 })
      if (existsSync(pngFile)) return tool
    } catch {}
  }
  return undefined
}

/** The width and height an SVG of ours declares on its root element. */
export function svgSize (svg: string): { width: number, height: number } {
  const match = /<svg[^>]*\swidth="(\d+)"[^>]*\sheight="(\d+)"/.exec(svg)
  if (match === null) throw new Error('SVG without width and height')
  return { width: Number(match[1]), height: Number(match[2]) }
}
