import { h } from './dom.js'

export interface LiveRegion {
  /** Shows the last loaded data again, e.g. after a filter changed. */
  redraw: () => void
}

/**
 * Loads data every `intervalMs` until `signal` aborts, and shows it in `region`. A failed load
 * keeps the last good view and says what went wrong above it. `main[data-state]` becomes
 * `ready` after the first good load, which tests wait for.
 */
export function liveRegion<T> (region: HTMLElement, signal: AbortSignal, intervalMs: number,
  load: (signal: AbortSignal) => Promise<T>, show: (data: T) => Node): LiveRegion {
  const error = h('p', { class: 'error', role: 'alert', hidden: true })
  const content = h('div')
  region.replaceChildren(error, content)
  region.setAttribute('aria-busy', 'true')
  let loaded: { data: T } | undefined

  const refresh = async (): Promise<void> => {
    try {
      const data = await load(signal)
      if (signal.aborted) return
      loaded = { data }
      content.replaceChildren(show(data))
      error.hidden = true
      region.setAttribute('aria-busy', 'false')
      region.closest('main')?.setAttribute('data-state', 'ready')
    } catch (err) {
      if (signal.aborted) return
      error.textContent = `Could not refresh: ${(err as Error).message}`
      error.hidden = false
    }
  }

  const loop = async (): Promise<void> => {
    while (!signal.aborted) {
      await refresh()
      await new Promise<void>(resolve => {
        const timer = setTimeout(resolve, intervalMs)
        signal.addEventListener('abort', () => { clearTimeout(timer); resolve() }, { once: true })
      })
    }
  }
  void loop()
  return {
    redraw () {
      if (loaded !== undefined) content.replaceChildren(show(loaded.data))
    }
  }
}
