/**
 * Go's rules for decoding a JSON tree into struct fields: member names match case-insensitively,
 * the last matching member wins, unknown members are ignored, `null` leaves the zero value, and a
 * value of the wrong type or a number outside the field's type is an error.
 */

import { Base64SyntaxError, decodeStdBase64 } from './base64.js'
import { GoDecodeError } from './errors.js'
import { JsonNumber, JsonObject } from './json.js'
import type { JsonNode } from './json.js'

/**
 * The members of `object` assigned to each of `fields`, matched like Go's decoder (an exact name
 * or a case-folded one, so `"value"` and `"VALUE"` set `Value`).
 */
export function structFields<F extends string> (object: JsonObject, fields: readonly F[]): Partial<Record<F, JsonNode>> {
  const byFolded = new Map<string, F>(fields.map(field => [foldName(field), field]))
  const result: Partial<Record<F, JsonNode>> = {}
  for (const [name, value] of object.members) {
    const field = byFolded.get(foldName(name))
    if (field !== undefined) result[field] = value
  }
  return result
}

/** Go folds each rune as `ToLower(ToUpper(r))`, so `ſ` matches `s` and the Kelvin sign `k`. */
function foldName (name: string): string {
  let folded = ''
  for (const char of name) {
    const upper = char.toUpperCase()
    const single = [...upper].length === 1 ? upper : char
    const lower = single.toLowerCase()
    folded += [...lower].length === 1 ? lower : single
  }
  return folded
}

export function decodeString (node: JsonNode | undefined, field: string): string {
  if (node === undefined || node === null) return ''
  if (typeof node !== 'string') throw new GoDecodeError(`${field} must be a JSON string`)
  return node
}

export function decodeBool (node: JsonNode | undefined, field: string): boolean {
  if (node === undefined || node === null) return false
  if (typeof node !== 'boolean') throw new GoDecodeError(`${field} must be true or false`)
  return node
}

const INTEGER = /^-?(?:0|[1-9]\d*)$/

/**
 * An integer field of Go type `int<bits>` (`signed`) or `uint<bits>`. Go rejects fractions,
 * exponents, out-of-range values and, for unsigned types, any minus sign.
 */
export function decodeInteger (node: JsonNode | undefined, field: string, bits: 8 | 64, signed: boolean): bigint {
  if (node === undefined || node === null) return 0n
  if (!(node instanceof JsonNumber)) throw new GoDecodeError(`${field} must be a number`)
  if (!INTEGER.test(node.literal)) throw new GoDecodeError(`${field} must be an integer without fraction or exponent, got ${node.literal}`)
  const value = BigInt(node.literal)
  const min = signed ? -(1n << BigInt(bits - 1)) : 0n
  const max = signed ? (1n << BigInt(bits - 1)) - 1n : (1n << BigInt(bits)) - 1n
  if (value < min || value > max || (!signed && node.literal.startsWith('-'))) {
    throw new GoDecodeError(`${field} ${node.literal} is out of range for ${signed ? 'int' : 'uint'}${bits}`)
  }
  return value
}

/**
 * A `[]byte` field: `null` is nil, a string is padded standard base64 (`""` is an empty,
 * non-nil slice), and Go also accepts an array of byte values.
 */
export function decodeBytes (node: JsonNode | undefined, field: string): Uint8Array | null {
  if (node === undefined || node === null) return null
  if (typeof node === 'string') {
    try {
      return decodeStdBase64(node)
    } catch (err) {
      if (err instanceof Base64SyntaxError) throw new GoDecodeError(`${field} is not padded standard base64: ${err.message}`)
      throw err
    }
  }
  if (Array.isArray(node)) {
    return new Uint8Array(node.map((item, i) => Number(decodeInteger(item, `${field}[${i}]`, 8, false))))
  }
  throw new GoDecodeError(`${field} must be a base64 string`)
}
