/** How figures and identifiers are shown. */

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB']

export function formatBytes (bytes: number | undefined): string {
  if (bytes === undefined) return '–'
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024
    unit++
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${BYTE_UNITS[unit]}`
}

export function formatLatency (ms: number | undefined): string {
  return ms === undefined ? '–' : `${ms < 10 ? ms.toFixed(2) : Math.round(ms)} ms`
}

/** The tail of a peer ID, enough to tell peers apart on screen (the full ID is in the title). */
export function shortId (peerId: string): string {
  return peerId.length > 12 ? `…${peerId.slice(-8)}` : peerId
}

/** A peer ID shown short, with the full ID for tooltips and screen readers. */
export function peerIdText (peerId: string): HTMLElement {
  const element = document.createElement('code')
  element.className = 'peer-id'
  element.textContent = shortId(peerId)
  element.title = peerId
  element.setAttribute('aria-label', peerId)
  return element
}

/** A ledger Value's JSON text as a person reads it: strings unquoted, other JSON compact. */
export function formatLedgerValue (text: string): string {
  try {
    const value: unknown = JSON.parse(text)
    return typeof value === 'string' ? value : JSON.stringify(value)
  } catch {
    return text
  }
}
