/**
 * JSON as Go's `encoding/json` reads and writes it, where byte identity matters: the ledger's
 * block and entry encoding, the Value text of signed entries and the HTTP API bodies.
 *
 * The parser keeps a syntax tree whose numbers are the literal text, so the decoders can apply
 * Go's per-type rules (a `uint64` rejects `1e3`, `-1` and `1.0`) and never lose a 64-bit integer.
 */

import { encodeStdBase64 } from './base64.js'

/** A number as written in the document (for example `1767225600000000000` or `1.5e3`). */
export class JsonNumber {
  readonly literal: string

  constructor (literal: string) {
    this.literal = literal
  }
}

/** A JSON object with its members in document order; duplicate names are kept. */
export class JsonObject {
  readonly members: ReadonlyArray<readonly [string, JsonNode]>

  constructor (members: ReadonlyArray<readonly [string, JsonNode]>) {
    this.members = members
  }
}

export type JsonNode = null | boolean | string | JsonNumber | JsonNode[] | JsonObject

/** A plain JavaScript view of a JSON value; integers beyond 2^53 become bigint. */
export type JsonValue = null | boolean | number | bigint | string | JsonValue[] | { [key: string]: JsonValue }

export class JsonSyntaxError extends Error {
  constructor (message: string, offset: number) {
    super(`invalid JSON at offset ${offset}: ${message}`)
    this.name = 'JsonSyntaxError'
  }
}

const MAX_DEPTH = 512

/**
 * Parse JSON text into a {@link JsonNode} tree. Like Go, unpaired surrogate escapes become
 * U+FFFD; invalid UTF-8 is already U+FFFD when the bytes were decoded with a non-fatal
 * `TextDecoder` (see {@link decodeUtf8}).
 *
 * @throws JsonSyntaxError on malformed input or nesting deeper than 512 levels
 */
export function parseJsonTree (text: string): JsonNode {
  const parser = new Parser(text)
  parser.skipSpace()
  const node = parser.value(0)
  parser.skipSpace()
  if (parser.pos < text.length) throw new JsonSyntaxError('unexpected data after the value', parser.pos)
  return node
}

/** Parse JSON text into plain JavaScript values (see {@link toJsonValue}). */
export function parseJson (text: string): JsonValue {
  return toJsonValue(parseJsonTree(text))
}

/**
 * Convert a tree into plain values: integer literals outside the safe range become bigint,
 * other numbers become number; for duplicate member names the last one wins, as in Go.
 */
export function toJsonValue (node: JsonNode): JsonValue {
  if (node instanceof JsonNumber) return numberValue(node.literal)
  if (Array.isArray(node)) return node.map(toJsonValue)
  if (node instanceof JsonObject) {
    const result: { [key: string]: JsonValue } = {}
    for (const [name, member] of node.members) {
      // defineProperty: a member named "__proto__" must stay data, not change the prototype
      Object.defineProperty(result, name, { value: toJsonValue(member), enumerable: true, writable: true, configurable: true })
    }
    return result
  }
  return node
}

function numberValue (literal: string): number | bigint {
  const value = Number(literal)
  if (/^-?\d+$/.test(literal) && !Number.isSafeInteger(value)) return BigInt(literal)
  return value
}

/** Decode UTF-8 bytes the way Go reads JSON strings: invalid sequences become U+FFFD. */
export function decodeUtf8 (bytes: Uint8Array): string {
  return utf8Decoder.decode(bytes)
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true })

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y

class Parser {
  readonly text: string
  pos = 0

  constructor (text: string) {
    this.text = text
  }

  skipSpace (): void {
    const text = this.text
    while (this.pos < text.length) {
      const c = text.charCodeAt(this.pos)
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return
      this.pos++
    }
  }

  value (depth: number): JsonNode {
    if (depth > MAX_DEPTH) throw new JsonSyntaxError('nesting too deep', this.pos)
    const c = this.text[this.pos]
    switch (c) {
      case '{': return this.object(depth)
      case '[': return this.array(depth)
      case '"': return this.string()
      case 't': return this.word('true', true)
      case 'f': return this.word('false', false)
      case 'n': return this.word('null', null)
      default: return this.number()
    }
  }

  private word<T extends JsonNode> (word: string, result: T): T {
    if (!this.text.startsWith(word, this.pos)) throw new JsonSyntaxError('unexpected character', this.pos)
    this.pos += word.length
    return result
  }

  private number (): JsonNumber {
    NUMBER.lastIndex = this.pos
    const match = NUMBER.exec(this.text)
    if (match === null) throw new JsonSyntaxError(this.pos < this.text.length ? 'unexpected character' : 'unexpected end of input', this.pos)
    this.pos += match[0].length
    return new JsonNumber(match[0])
  }

  private object (depth: number): JsonObject {
    const members: Array<readonly [string, JsonNode]> = []
    this.pos++
    this.skipSpace()
    if (this.text[this.pos] === '}') {
      this.pos++
      return new JsonObject(members)
    }
    for (;;) {
      this.skipSpace()
      if (this.text[this.pos] !== '"') throw new JsonSyntaxError('expected a member name', this.pos)
      const name = this.string()
      this.skipSpace()
      if (this.text[this.pos] !== ':') throw new JsonSyntaxError('expected ":"', this.pos)
      this.pos++
      this.skipSpace()
      members.push([name, this.value(depth + 1)])
      this.skipSpace()
      const next = this.text[this.pos++]
      if (next === '}') return new JsonObject(members)
      if (next !== ',') throw new JsonSyntaxError('expected "," or "}"', this.pos - 1)
    }
  }

  private array (depth: number): JsonNode[] {
    const items: JsonNode[] = []
    this.pos++
    this.skipSpace()
    if (this.text[this.pos] === ']') {
      this.pos++
      return items
    }
    for (;;) {
      this.skipSpace()
      items.push(this.value(depth + 1))
      this.skipSpace()
      const next = this.text[this.pos++]
      if (next === ']') return items
      if (next !== ',') throw new JsonSyntaxError('expected "," or "]"', this.pos - 1)
    }
  }

  private string (): string {
    const text = this.text
    let pos = this.pos + 1
    let out = ''
    let chunkStart = pos
    for (;;) {
      if (pos >= text.length) throw new JsonSyntaxError('unterminated string', pos)
      const c = text.charCodeAt(pos)
      if (c === 0x22) break
      if (c < 0x20) throw new JsonSyntaxError('control character in string', pos)
      if (c >= 0xd800 && c <= 0xdfff) {
        // a lone surrogate here can only come from a caller-built string; Go would see U+FFFD
        const pair = c <= 0xdbff && isLowSurrogate(text.charCodeAt(pos + 1))
        if (!pair) {
          out += text.slice(chunkStart, pos) + '\ufffd'
          chunkStart = pos + 1
        }
        pos += pair ? 2 : 1
        continue
      }
      if (c !== 0x5c) {
        pos++
        continue
      }
      out += text.slice(chunkStart, pos)
      const escape = text[pos + 1]
      pos += 2
      switch (escape) {
        case '"': out += '"'; break
        case '\\': out += '\\'; break
        case '/': out += '/'; break
        case 'b': out += '\b'; break
        case 'f': out += '\f'; break
        case 'n': out += '\n'; break
        case 'r': out += '\r'; break
        case 't': out += '\t'; break
        case 'u': {
          const unit = this.hex4(pos)
          pos += 4
          if (unit >= 0xd800 && unit <= 0xdbff && text.startsWith('\\u', pos)) {
            const low = this.hex4(pos + 2)
            if (isLowSurrogate(low)) {
              out += String.fromCharCode(unit, low)
              pos += 6
              break
            }
          }
          out += unit >= 0xd800 && unit <= 0xdfff ? '\ufffd' : String.fromCharCode(unit)
          break
        }
        default: throw new JsonSyntaxError('invalid escape', pos - 1)
      }
      chunkStart = pos
    }
    this.pos = pos + 1
    return out + text.slice(chunkStart, pos)
  }

  private hex4 (pos: number): number {
    const digits = this.text.slice(pos, pos + 4)
    if (!/^[0-9a-fA-F]{4}$/.test(digits)) throw new JsonSyntaxError('invalid \\u escape', pos)
    return parseInt(digits, 16)
  }
}

function isLowSurrogate (unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff
}

/**
 * Go's byte-wise string order (UTF-8 byte order equals code point order), which differs from
 * JavaScript's UTF-16 order for characters above U+FFFF.
 */
export function compareUtf8 (a: string, b: string): number {
  const length = Math.min(a.length, b.length)
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i)
    const y = b.charCodeAt(i)
    if (x !== y) return codePointRank(x) - codePointRank(y)
  }
  return a.length - b.length
}

/** Moves surrogates (astral characters) above U+E000..U+FFFF, as in code point order. */
function codePointRank (unit: number): number {
  if (unit < 0xd800) return unit
  return unit >= 0xe000 ? unit - 0x800 : unit + 0x2000
}

/**
 * Marks an object whose members are written in insertion order, like a Go struct. Plain
 * objects and Maps are written like Go maps: members sorted by the UTF-8 bytes of their names.
 */
export class GoStruct {
  readonly fields: Readonly<Record<string, unknown>>

  constructor (fields: Readonly<Record<string, unknown>>) {
    this.fields = fields
  }
}

/** Wraps `fields` so {@link encodeGoJson} writes them in their given order (a Go struct). */
export function goStruct (fields: Readonly<Record<string, unknown>>): GoStruct {
  return new GoStruct(fields)
}

export class JsonEncodeError extends TypeError {
  constructor (message: string) {
    super(message)
    this.name = 'JsonEncodeError'
  }
}

/**
 * Encode a value as Go's `json.Marshal` would: sorted map keys (UTF-8 byte order), `<`, `>`,
 * `&`, U+2028 and U+2029 escaped, lone surrogates as `\ufffd`, integers without exponent,
 * `Uint8Array` as padded standard base64, `null`/`undefined` as `null`. Members whose value is
 * `undefined` are left out.
 *
 * @throws JsonEncodeError for non-finite numbers, functions, symbols and cycles
 */
export function encodeGoJson (value: unknown): string {
  return encodeValue(value, new Set())
}

function encodeValue (value: unknown, stack: Set<object>): string {
  if (value === null || value === undefined) return 'null'
  switch (typeof value) {
    case 'boolean': return value ? 'true' : 'false'
    case 'string': return quoteGoString(value)
    case 'bigint': return value.toString()
    case 'number':
      if (!Number.isFinite(value)) throw new JsonEncodeError(`unsupported number ${value}`)
      // JS and Go switch to exponent form at the same thresholds (1e21, 1e-6)
      return Object.is(value, -0) ? '-0' : String(value)
    case 'object': break
    default: throw new JsonEncodeError(`unsupported type ${typeof value}`)
  }
  if (value instanceof Uint8Array) return `"${encodeStdBase64(value)}"`
  if (stack.has(value)) throw new JsonEncodeError('cyclic value')
  stack.add(value)
  try {
    if (Array.isArray(value)) return `[${value.map(item => encodeValue(item, stack)).join(',')}]`
    if (value instanceof GoStruct) return encodeMembers(Object.entries(value.fields), stack)
    const entries = value instanceof Map
      ? [...value.entries()].map(([name, member]): [string, unknown] => [String(name), member])
      : Object.entries(value)
    return encodeMembers(entries.sort((a, b) => compareUtf8(a[0], b[0])), stack)
  } finally {
    stack.delete(value)
  }
}

function encodeMembers (entries: Array<[string, unknown]>, stack: Set<object>): string {
  const parts: string[] = []
  for (const [name, member] of entries) {
    if (member === undefined) continue
    parts.push(`${quoteGoString(name)}:${encodeValue(member, stack)}`)
  }
  return `{${parts.join(',')}}`
}

// characters Go escapes: controls, quote, backslash, the HTML-sensitive < > &, U+2028/U+2029 and
// surrogates (checked for pairing below)
// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /[\u0000-\u001f"\\<>&\u2028\u2029\ud800-\udfff]/

/** A JSON string literal exactly as Go's `encoding/json` writes it (HTML escaping on). */
export function quoteGoString (text: string): string {
  if (!NEEDS_ESCAPE.test(text)) return `"${text}"`
  let out = '"'
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c >= 0xd800 && c <= 0xdbff && isLowSurrogate(text.charCodeAt(i + 1))) {
      out += text[i] + text[i + 1]
      i++
      continue
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      out += '\\ufffd'
      continue
    }
    switch (c) {
      case 0x22: out += '\\"'; break
      case 0x5c: out += '\\\\'; break
      case 0x08: out += '\\b'; break
      case 0x0c: out += '\\f'; break
      case 0x0a: out += '\\n'; break
      case 0x0d: out += '\\r'; break
      case 0x09: out += '\\t'; break
      default:
        out += c < 0x20 || c === 0x3c || c === 0x3e || c === 0x26 || c === 0x2028 || c === 0x2029
          ? `\\u${c.toString(16).padStart(4, '0')}`
          : text[i]
    }
  }
  return out + '"'
}
