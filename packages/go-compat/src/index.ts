/**
 * @packageDocumentation
 *
 * The encodings a Go edgevpn peer reads and writes, byte for byte, in one place: JSON as Go's
 * `encoding/json` (numbers kept as text, Go's key folding and escaping), Go's struct decoding
 * rules, the `time` text forms of the ledger, standard and URL base64 with Go's strict padding,
 * the yaml.v2 subset of the network config, and IP address text with `net.ParseIP`'s rules (the
 * project's only IP text parser). Nothing here does I/O; every function is pure.
 *
 * @example
 *
 * ```ts
 * import { canonicalIpText, encodeGoJson, goStruct, parseJsonTree } from '@edgevpn/go-compat'
 *
 * // Go writes struct fields in declaration order and escapes `<` as \u003c
 * console.log(encodeGoJson(goStruct({ Name: '<web>', Port: 80 })))   // {"Name":"\u003cweb\u003e","Port":80}
 * console.log(parseJsonTree('{"n": 18446744073709551615}'))          // the number stays exact text
 * console.log(canonicalIpText('::ffff:10.1.0.1'), canonicalIpText('010.1.0.1'))   // 10.1.0.1 undefined
 * ```
 */

export {
  parseJson, parseJsonTree, toJsonValue, encodeGoJson, quoteGoString, compareUtf8, decodeUtf8, goStruct,
  GoStruct, JsonNumber, JsonObject, JsonSyntaxError, JsonEncodeError
} from './json.js'
export type { JsonNode, JsonValue } from './json.js'
export { structFields, decodeString, decodeBool, decodeInteger, decodeBytes } from './decode.js'
export { decodeStringStruct, decodeStringStructText, describeJsonNode } from './struct.js'
export type { StringStruct } from './struct.js'
export { GoDecodeError } from './errors.js'
export { formatGoUtc, formatGoLocal, formatRfc3339, parseRfc3339 } from './time.js'
export { decodeStdBase64, encodeStdBase64, decodePaddedBase64Url, encodePaddedBase64Url, Base64SyntaxError } from './base64.js'
export { emitYamlV2 } from './yaml-v2-emit.js'
export type { YamlV2Mapping } from './yaml-v2-emit.js'
export { resolvePlainScalar, resolveTaggedScalar, isBase60Float } from './yaml-v2-scalar.js'
export type { ResolvedScalar, ScalarKind } from './yaml-v2-scalar.js'
export { parseIPv4, parseIPv6, parseIp, ipFamily, ipv4Bytes, formatIPv4, formatIPv6, canonicalIpText, isIPv4Mapped } from './ip-text.js'
