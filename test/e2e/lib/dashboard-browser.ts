/**
 * Drives the web dashboard in headless Chromium (playwright-core) and reports what it shows. Run
 * with Node inside the network namespace of the daemon it visits:
 *
 *   node dashboard-browser.ts <base URL> <screenshot directory>
 *
 * It visits every page at desktop and phone sizes, saving full-page screenshots, then prints one
 * JSON line `{"event":"pages",…}`, opens the ledger browser and prints `{"event":"ledger-ready"}`.
 * It then reads one line `{"bucket","key"}` from stdin, waits for that entry to appear, prints
 * `{"event":"ledger",…}` and exits. Node runs this file by stripping its types.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { chromium } from 'playwright-core'
import type { Page } from 'playwright-core'

/** The flags Debian's Chromium needs here: no sandbox as root, no GPU, and no traffic of its own. */
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync']
const PAGES = ['', 'machines', 'peers', 'graph', 'services', 'files', 'dns', 'ledger']
const DESKTOP = { width: 1280, height: 900 }
const PHONE = { width: 390, height: 844 }

export interface TableView {
  caption: string
  rows: Array<{ cells: string[], data: Record<string, string>, className: string }>
}

export interface PageView {
  path: string
  heading: string
  /** Summary figures by field. */
  tiles: Record<string, string>
  tables: TableView[]
  edges: Array<{ peer: string, className: string }>
  nodes: string[]
  /** Whether the page is wider than a phone screen (it must not be). */
  phoneOverflows: boolean
  errors: string[]
}

const [baseUrl, screenshots] = process.argv.slice(2)
const print = (value: object): void => { process.stdout.write(JSON.stringify(value) + '\n') }

/** What the page in `page` shows, read from its DOM. */
async function readPage (page: Page, path: string): Promise<Omit<PageView, 'phoneOverflows'>> {
  return await page.evaluate((path) => ({
    path,
    heading: document.querySelector('h1')?.textContent ?? '',
    tiles: Object.fromEntries(Array.from(document.querySelectorAll<HTMLElement>('.tile'), tile => [tile.dataset.field ?? '', tile.querySelector('dd')?.textContent ?? ''])),
    tables: Array.from(document.querySelectorAll('main table'), table => ({
      caption: table.querySelector('caption')?.textContent ?? '',
      rows: Array.from(table.querySelectorAll<HTMLTableRowElement>('tbody tr'), row => ({
        cells: Array.from(row.cells, cell => cell.innerText),
        data: { ...row.dataset } as Record<string, string>,
        className: row.className
      }))
    })),
    edges: Array.from(document.querySelectorAll<SVGElement>('.peer-graph .edge'),
      edge => ({ peer: edge.dataset.peer ?? '', className: edge.getAttribute('class') ?? '' })),
    nodes: Array.from(document.querySelectorAll<SVGElement>('.peer-graph .node'), node => node.getAttribute('class') ?? ''),
    errors: Array.from(document.querySelectorAll<HTMLElement>('.error:not([hidden])'), error => error.innerText)
  }), path)
}

async function visit (page: Page, path: string): Promise<void> {
  await page.goto(`${baseUrl}/app${path === '' ? '' : `/${path}`}`)
  await page.waitForSelector('main[data-state="ready"]', { timeout: 15_000 })
}

const profile = mkdtempSync(join(tmpdir(), 'evt-chromium-'))
const context = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS, viewport: DESKTOP
})
try {
  const page = context.pages()[0] ?? await context.newPage()
  const views: PageView[] = []
  for (const path of PAGES) {
    const name = path === '' ? 'summary' : path
    await page.setViewportSize(DESKTOP)
    await visit(page, path)
    const view = await readPage(page, path)
    await page.screenshot({ path: join(screenshots, `${name}-desktop.png`), fullPage: true })
    await page.setViewportSize(PHONE)
    const phoneOverflows = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth)
    await page.screenshot({ path: join(screenshots, `${name}-phone.png`), fullPage: true })
    views.push({ ...view, phoneOverflows })
  }

  // keyboard: the first tab stop skips to the content, the next ones are the menu
  await page.setViewportSize(DESKTOP)
  await visit(page, '')
  const tabStops: string[] = []
  for (let i = 0; i < 3; i++) {
    await page.keyboard.press('Tab')
    tabStops.push(await page.evaluate(() => document.activeElement?.textContent ?? ''))
  }
  // following a menu link with the keyboard changes page without a reload
  await page.keyboard.press('Tab')
  await page.keyboard.press('Enter')
  await page.waitForSelector('main[data-page="machines"][data-state="ready"]')
  const afterEnter = new URL(page.url()).pathname
  print({ event: 'pages', pages: views, tabStops, afterEnter })

  await visit(page, 'ledger')
  print({ event: 'ledger-ready' })
  const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]()
  const { bucket, key } = JSON.parse((await lines.next()).value as string) as { bucket: string, key: string }
  const waitStarted = Date.now()
  const row = await page.waitForSelector(`tr[data-bucket="${bucket}"][data-key="${key}"]`, { timeout: 30_000 })
  const appearedAfterMs = Date.now() - waitStarted
  const entry = await row.evaluate(element => ({ className: element.className, cells: Array.from((element as HTMLTableRowElement).cells, cell => cell.innerText) }))
  const status = await page.locator('.changes').innerText()
  await page.screenshot({ path: join(screenshots, 'ledger-live-desktop.png'), fullPage: true })
  print({ event: 'ledger', appearedAfterMs, entry, status })
} finally {
  await context.close()
  rmSync(profile, { recursive: true, force: true })
  process.stdin.destroy()
}
