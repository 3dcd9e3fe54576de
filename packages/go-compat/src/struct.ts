import { structFields } from './decode.js'
import { JsonObject, parseJsonTree } from './json.js'
import type { JsonNode } from './json.js'

/** A decoded Go struct whose fields are all strings. */
export type StringStruct<F extends string> = Record<F, string>

/**
 * Decodes a JSON node into a struct of string fields the way Go's `json.Unmarshal` does:
 * member names match case-insensitively (the last match wins), unknown members are ignored,
 * `null` leaves a field empty. Go keeps decoding past a field of the wrong type and reports
 * the first such problem; so does this.
 */
export function decodeStringStruct<F extends string> (node: JsonNode, fields: readonly F[]): { value: StringStruct<F>, error?: string } {
  const value = Object.fromEntries(fields.map(field => [field, ''])) as StringStruct<F>
  if (!(node instanceof JsonObject)) return { value, error: `expected a JSON object, got ${describeJsonNode(node)}` }
  let error: string | undefined
  for (const [field, member] of Object.entries(structFields(node, fields)) as Array<[F, JsonNode]>) {
    if (typeof member === 'string') value[field] = member
    else if (member !== null) error ??= `field ${field} must be a string, got ${describeJsonNode(member)}`
  }
  return { value, error }
}

/** {@link decodeStringStruct} of JSON text; text that is not JSON gives all fields empty. */
export function decodeStringStructText<F extends string> (text: string, fields: readonly F[]): { value: StringStruct<F>, error?: string } {
  let node: JsonNode
  try {
    node = parseJsonTree(text)
  } catch (err) {
    return { value: Object.fromEntries(fields.map(field => [field, ''])) as StringStruct<F>, error: (err as Error).message }
  }
  return decodeStringStruct(node, fields)
}


export function describeJsonNode (node: JsonNode): string {
  if (node === null) return 'null'
  if (Array.isArray(node)) return 'an array'
  if (node instanceof JsonObject) return 'an object'
  return typeof node === 'object' ? 'a number' : `a ${typeof node}`
}
