import './styles.css'
import { h } from './dom.js'
import { filesPage, servicesPage } from './pages/announcements.js'
import { dnsPage } from './pages/dns.js'
import { graphPage } from './pages/graph.js'
import { ledgerPage } from './pages/ledger.js'
import { machinesPage } from './pages/machines.js'
import { peersPage } from './pages/peers.js'
import { summaryPage } from './pages/summary.js'
import type { Page } from './page.js'

/** Every page lives under this prefix; the daemon answers index.html for all of them. */
const BASE = '/app'
const PAGES: Page[] = [summaryPage, machinesPage, peersPage, graphPage, servicesPage, filesPage, dnsPage, ledgerPage]

const href = (page: Page): string => page.path === '' ? BASE : `${BASE}/${page.path}`

function pageAt (pathname: string): Page | undefined {
  const path = pathname.replace(/\/+$/, '')
  return PAGES.find(page => href(page) === path)
}

const main = document.getElementById('main') as HTMLElement
const nav = document.getElementById('nav') as HTMLElement
nav.replaceChildren(...PAGES.map(page => h('li', {}, h('a', { href: href(page), 'data-route': true }, page.title))))

let current: AbortController | undefined

/** Shows the page for the current URL; `focus` moves keyboard focus to it after a navigation. */
function show (focus: boolean): void {
  current?.abort()
  current = new AbortController()
  const page = pageAt(location.pathname)
  main.removeAttribute('data-state')
  main.dataset.page = page?.path ?? 'not-found'
  const active = page === undefined ? undefined : href(page)
  for (const link of nav.querySelectorAll('a')) {
    if (link.pathname === active) link.setAttribute('aria-current', 'page')
    else link.removeAttribute('aria-current')
  }
  if (page === undefined) {
    document.title = 'Not found · edgevpn'
    main.replaceChildren(h('h1', {}, 'Page not found'), h('p', {}, 'Pick a section from the menu.'))
    main.dataset.state = 'ready'
  } else {
    document.title = `${page.title} · edgevpn`
    main.replaceChildren(h('h1', {}, page.title))
    page.render(main, current.signal)
  }
  if (focus) main.focus()
}

// Links marked data-route change the page without reloading; modified clicks keep their meaning.
document.addEventListener('click', event => {
  const link = (event.target as Element).closest('a[data-route]')
  if (!(link instanceof HTMLAnchorElement) || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return
  event.preventDefault()
  if (link.pathname !== location.pathname) history.pushState(null, '', link.pathname)
  show(true)
})
window.addEventListener('popstate', () => { show(true) })
show(false)
