/** One section of the dashboard, at `/app/<path>`. */
export interface Page {
  /** Path under `/app`; `''` is the summary at `/app` itself. */
  readonly path: string
  readonly title: string
  /** Fills `main` (below its heading) and keeps it current until `signal` aborts. */
  render: (main: HTMLElement, signal: AbortSignal) => void
}

/** How often pages without a stated interval reload their data, in ms. */
export const REFRESH_MS = 5000
