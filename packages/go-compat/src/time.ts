/**
 * The Go `time` text forms that appear in the ledger: `time.Time.String()` for block timestamps
 * and RFC 3339 (seconds, UTC) for heartbeats.
 */

/**
 * `time.Now().UTC().String()`: `2026-01-02 03:04:05.1234 +0000 UTC`, with the fraction's trailing
 * zeros removed and the fraction left out when it is zero.
 */
export function formatGoUtc (unixMs: number): string {
  return `${formatGoDateTime(new Date(unixMs), unixMs)} +0000 UTC`
}

/**
 * `time.Now().String()` of a Go process in the host's time zone, with the monotonic clock
 * reading Go appends (`m=+0.000198471`: seconds since the process started).
 *
 * @param monotonicMs - milliseconds since the process started (e.g. `performance.now()`)
 */
export function formatGoLocal (unixMs: number, monotonicMs: number): string {
  const date = new Date(unixMs)
  const offsetMinutes = -date.getTimezoneOffset()
  const local = new Date(unixMs + offsetMinutes * 60_000)
  const sign = offsetMinutes < 0 ? '-' : '+'
  const offset = Math.abs(offsetMinutes)
  const zone = `${sign}${pad(Math.floor(offset / 60), 2)}${pad(offset % 60, 2)}`
  const nanos = BigInt(Math.round(monotonicMs * 1e6))
  const monotonic = `m=+${nanos / 1_000_000_000n}.${pad(Number(nanos % 1_000_000_000n), 9)}`
  return `${formatGoDateTime(local, unixMs)} ${zone} ${zoneAbbreviation(date, zone)} ${monotonic}`
}

/** `time.Now().UTC().Format(time.RFC3339)`: `2026-01-02T03:04:05Z`. */
export function formatRfc3339 (unixMs: number): string {
  return new Date(Math.floor(unixMs / 1000) * 1000).toISOString().replace('.000Z', 'Z')
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/

/**
 * Parse RFC 3339 text as Go's `time.Parse(time.RFC3339, s)` accepts it (optional fraction,
 * `Z` or a numeric offset, calendar ranges checked).
 *
 * @returns Unix milliseconds (fraction truncated to milliseconds), or undefined when invalid
 */
export function parseRfc3339 (text: string): number | undefined {
  const match = RFC3339.exec(text)
  if (match === null) return undefined
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number)
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return undefined
  if (hour > 23 || minute > 59 || second > 59) return undefined
  let offsetMinutes = 0
  const zone = match[8]
  if (zone !== 'Z') {
    const hours = Number(zone.slice(1, 3))
    const minutes = Number(zone.slice(4, 6))
    if (hours > 23 || minutes > 59) return undefined
    offsetMinutes = (zone[0] === '-' ? -1 : 1) * (hours * 60 + minutes)
  }
  const fractionMs = match[7] === undefined ? 0 : Math.floor(Number(`0${match[7]}`) * 1000)
  const utc = Date.UTC(year, month - 1, day, hour, minute, second)
  // Date.UTC maps years 0..99 to 1900..1999; setUTCFullYear undoes that
  const date = new Date(utc)
  date.setUTCFullYear(year)
  return date.getTime() + fractionMs - offsetMinutes * 60_000
}

function daysIn (year: number, month: number): number {
  return new Date(Date.UTC(2000, month, 0)).getUTCDate() - (month === 2 && !isLeap(year) ? 1 : 0)
}

function isLeap (year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0
}

/** `YYYY-MM-DD HH:MM:SS[.fraction]` of the UTC fields of `date`. */
function formatGoDateTime (date: Date, unixMs: number): string {
  const millis = ((unixMs % 1000) + 1000) % 1000
  const fraction = millis === 0 ? '' : '.' + pad(Math.floor(millis), 3).replace(/0+$/, '')
  return `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1, 2)}-${pad(date.getUTCDate(), 2)} ` +
    `${pad(date.getUTCHours(), 2)}:${pad(date.getUTCMinutes(), 2)}:${pad(date.getUTCSeconds(), 2)}${fraction}`
}

/**
 * Built on first use: it loads ICU's time-zone data (about 5 MiB), which a host on UTC, the usual
 * case for servers, never needs.
 */
let zoneNames: Intl.DateTimeFormat | undefined

/** Go prints the tz database abbreviation; `UTC` for a UTC host, else the numeric form. */
function zoneAbbreviation (date: Date, numeric: string): string {
  // Intl (en-US) names every zone at offset zero GMT or UTC, which is printed as UTC
  if (numeric === '+0000') return 'UTC'
  zoneNames ??= new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' })
  const name = zoneNames.formatToParts(date).find(part => part.type === 'timeZoneName')?.value
  if (name === undefined || name === 'GMT' || name === 'UTC') return numeric
  // Intl names zones without an abbreviation "GMT+3"; Go prints "+03" for those
  if (name.startsWith('GMT')) return numeric.endsWith('00') ? numeric.slice(0, 3) : numeric
  return name
}

function pad (value: number, width: number): string {
  return String(value).padStart(width, '0')
}
