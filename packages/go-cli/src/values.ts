/**
 * Parsers for the value syntaxes of Go's `flag`/`strconv`/`time` packages, which Go edgevpn's
 * CLI and environment variables use. Each throws a `UsageError` that names the bad text.
 */
import { UsageError } from './usage-error.js'

const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True'])
const FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False'])

/** `strconv.ParseBool`. */
export function parseGoBool (text: string, what: string): boolean {
  if (TRUE.has(text)) return true
  if (FALSE.has(text)) return false
  throw new UsageError(`invalid boolean ${JSON.stringify(text)} for ${what} (use true or false)`)
}

/** `strconv.ParseInt(text, 0, 64)`: decimal, 0x/0o/0b prefixes, leading-0 octal, underscores. */
export function parseGoInt (text: string, what: string): number {
  // Underscores may only separate digits (or follow a base prefix), as in Go.
  const match = /^([+-]?)(0[xX]_?[0-9a-fA-F]+(?:_[0-9a-fA-F]+)*|0[oO]_?[0-7]+(?:_[0-7]+)*|0[bB]_?[01]+(?:_[01]+)*|0(?:_?[0-7]+)*|[1-9][0-9]*(?:_[0-9]+)*)$/.exec(text)
  if (match == null) throw new UsageError(`invalid integer ${JSON.stringify(text)} for ${what}`)
  let digits = match[2].replaceAll('_', '')
  if (/^0[0-7]+$/.test(digits)) digits = '0o' + digits.slice(1)
  const value = BigInt(digits) * (match[1] === '-' ? -1n : 1n)
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new UsageError(`integer ${text} for ${what} is out of range`)
  }
  return Number(value)
}

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, μs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 }

/** `time.ParseDuration` (e.g. `15s`, `1h0m0s`, `1.5h`, `300ms`), returned in milliseconds. */
export function parseGoDuration (text: string, what: string): number {
  const fail = (): never => { throw new UsageError(`invalid duration ${JSON.stringify(text)} for ${what} (examples: 15s, 2m30s, 1h)`) }
  const match = /^([+-]?)(.*)$/.exec(text)
  const body = match?.[2] ?? ''
  if (body === '0') return 0
  if (body === '') fail()
  let total = 0
  const parts = body.matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/gy)
  let consumed = 0
  for (const [whole, number, unit] of parts) {
    total += Number(number) * UNIT_MS[unit]
    consumed += whole.length
  }
  if (consumed !== body.length) fail()
  return match?.[1] === '-' ? -total : total
}
