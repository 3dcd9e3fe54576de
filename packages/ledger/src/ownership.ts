/** The `--ownership` mode: how the ledger treats writes to owned buckets. */

import { InvalidOwnershipModeError } from './errors.js'

/**
 * - `off`: legacy whole-block replacement, unsigned entries (library default)
 * - `observe`: per-entry merge with signatures; violations are logged but accepted
 * - `enforce`: per-entry merge; violations are rejected (CLI default)
 */
export type OwnershipMode = 'off' | 'observe' | 'enforce'

const SPELLINGS: ReadonlyMap<string, OwnershipMode> = new Map([
  ['', 'off'], ['off', 'off'],
  ['observe', 'observe'], ['log', 'observe'], ['log-only', 'observe'],
  ['enforce', 'enforce'], ['on', 'enforce']
])

/**
 * Parse a mode like Go's `ParseOwnershipMode`: trimmed, case-insensitive; `""`/`off`,
 * `observe`/`log`/`log-only`, `enforce`/`on`.
 *
 * @throws InvalidOwnershipModeError for any other value (Go's message, naming the bad value)
 */
export function parseOwnershipMode (text: string): OwnershipMode {
  const mode = SPELLINGS.get(text.trim().toLowerCase())
  if (mode !== undefined) return mode
  throw new InvalidOwnershipModeError(`invalid ownership mode ${goQuote(text)}: must be one of "off" (legacy, no authentication), ` +
    '"observe" (sign and log violations; aliases "log", "log-only") or "enforce" (sign and reject unauthorized writes; alias "on")')
}

/** Go's `%q` for the common case: a JSON-like double-quoted string. */
function goQuote (text: string): string {
  return JSON.stringify(text)
}
