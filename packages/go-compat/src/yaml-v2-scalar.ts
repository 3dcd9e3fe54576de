/**
 * How yaml.v2 (the YAML library of Go edgevpn) types an unquoted scalar. It follows Go's
 * `strconv` rather than the YAML 1.1 regexes: `0x1F`, `0o17`, `0360` (octal) and `1_000` are
 * ints, `1e3` is a float, `12:30` is a plain string, `yes`/`on` are booleans. The decoder uses it
 * to read int fields, the emitter to decide which strings must be quoted.
 */

export type ScalarKind = 'null' | 'bool' | 'int' | 'float' | 'timestamp' | 'string'

export type ResolvedScalar =
  | { kind: 'int', value: bigint }
  | { kind: 'float', value: number }
  | { kind: Exclude<ScalarKind, 'int' | 'float'> }

const INT64_MIN = -(1n << 63n)
const INT64_LIMIT = 1n << 63n
const UINT64_LIMIT = 1n << 64n

const WORDS = new Map<string, ResolvedScalar>([
  ...['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON',
    'n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF']
    .map((word): [string, ResolvedScalar] => [word, { kind: 'bool' }]),
  ...['', '~', 'null', 'Null', 'NULL'].map((word): [string, ResolvedScalar] => [word, { kind: 'null' }]),
  ...['.nan', '.NaN', '.NAN'].map((word): [string, ResolvedScalar] => [word, { kind: 'float', value: NaN }]),
  ...['.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF']
    .map((word): [string, ResolvedScalar] => [word, { kind: 'float', value: Infinity }]),
  ...['-.inf', '-.Inf', '-.INF'].map((word): [string, ResolvedScalar] => [word, { kind: 'float', value: -Infinity }])
])

/** yaml.v2 only looks further at scalars whose first character is one of these (or empty ones). */
const RESOLVABLE_START = /^(?:$|[-+0-9yYnNtTfFoO~.])/
const DOT_FLOAT = /^\.[0-9]+(?:[eE][-+]?[0-9]+)?$/
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/
/** Go `strconv.ParseInt(s, 0, 64)` syntax: sign, then 0x / 0b / 0o / leading-0 octal / decimal. */
const GO_INTEGER = /^([-+]?)(?:0[xX]([0-9a-fA-F]+)|0[bB]([01]+)|0[oO]([0-7]+)|0([0-7]*)|([1-9][0-9]*))$/
const BASE60_FLOAT = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/
const TIMESTAMP = /^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:([Tt ])([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})(?:[.,][0-9]+)?(Z|[-+][0-9]{2}:[0-9]{2})?)?$/

/** Types an unquoted, untagged scalar from its text as yaml.v2 does. */
export function resolvePlainScalar (text: string): ResolvedScalar {
  if (!RESOLVABLE_START.test(text)) return { kind: 'string' }
  const word = WORDS.get(text)
  if (word !== undefined) return word
  if (text.startsWith('.')) {
    return DOT_FLOAT.test(text) ? { kind: 'float', value: Number(text) } : { kind: 'string' }
  }
  if (!/^[-+0-9]/.test(text)) return { kind: 'string' }
  if (isGoTimestamp(text)) return { kind: 'timestamp' }
  // yaml.v2 drops every underscore before handing the text to strconv
  const digits = text.replaceAll('_', '')
  const integer = parseGoInteger(digits)
  if (integer !== undefined && (integer >= INT64_MIN && integer < INT64_LIMIT ||
    !/^[-+]/.test(digits) && integer >= 0n && integer < UINT64_LIMIT)) {
    return { kind: 'int', value: integer }
  }
  if (FLOAT.test(digits)) {
    const value = Number(digits)
    // Go's ParseFloat fails on overflow, and yaml.v2 then keeps the text as a string
    if (Number.isFinite(value)) return { kind: 'float', value }
  }
  return { kind: 'string' }
}

/**
 * Types a scalar carrying an explicit tag (`!!int "5"`). Standard tags must agree with the text
 * (an int is accepted as a float); unknown tags leave the text as a string.
 *
 * @throws TypeError when the text does not match its tag
 */
export function resolveTaggedScalar (tag: string, text: string): ResolvedScalar {
  if (tag === 'str') return { kind: 'string' }
  if (tag !== 'null' && tag !== 'bool' && tag !== 'int' && tag !== 'float' && tag !== 'timestamp') return { kind: 'string' }
  const resolved = resolvePlainScalar(text)
  if (resolved.kind === tag) return resolved
  if (tag === 'float' && resolved.kind === 'int') return { kind: 'float', value: Number(resolved.value) }
  throw new TypeError(`cannot read ${resolved.kind} ${JSON.stringify(text)} as !!${tag}`)
}

/** Sexagesimal numbers (`12:30`) are plain strings to yaml.v2, but it still quotes them on output. */
export function isBase60Float (text: string): boolean {
  return BASE60_FLOAT.test(text)
}

function parseGoInteger (text: string): bigint | undefined {
  const match = GO_INTEGER.exec(text)
  if (match === null) return undefined
  const [, sign, hex, binary, octal, legacyOctal, decimal] = match
  let magnitude: bigint
  if (hex !== undefined) magnitude = BigInt(`0x${hex}`)
  else if (binary !== undefined) magnitude = BigInt(`0b${binary}`)
  else if (octal !== undefined) magnitude = BigInt(`0o${octal}`)
  else if (legacyOctal !== undefined) magnitude = legacyOctal === '' ? 0n : BigInt(`0o${legacyOctal}`)
  else magnitude = BigInt(decimal)
  return sign === '-' ? -magnitude : magnitude
}

/** The four Go `time.Parse` layouts yaml.v2 tries on scalars starting with `YYYY-`. */
function isGoTimestamp (text: string): boolean {
  const match = TIMESTAMP.exec(text)
  if (match === null) return false
  const [, year, month, day, separator, hour, minute, second, zone] = match
  if (!isDate(Number(year), Number(month), Number(day))) return false
  if (separator === undefined) return true
  // the `T`/`t` layouts require a zone, the space layout forbids one
  if ((separator === ' ') !== (zone === undefined)) return false
  if (Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59) return false
  return zone === undefined || zone === 'Z' || (Number(zone.slice(1, 3)) <= 24 && Number(zone.slice(4)) <= 60)
}

function isDate (year: number, month: number, day: number): boolean {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)
  const monthDays = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
  return month >= 1 && month <= 12 && day >= 1 && day <= monthDays[month - 1]
}
