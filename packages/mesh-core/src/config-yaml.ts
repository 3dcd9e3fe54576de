import { isAlias, isMap, isScalar, isSeq, parseAllDocuments } from 'yaml'
import { ConfigError } from './config-error.js'
import { Base64SyntaxError, decodeStdBase64, emitYamlV2, resolvePlainScalar, resolveTaggedScalar } from '@edgevpn/go-compat'
import type { YamlV2Mapping, ResolvedScalar } from '@edgevpn/go-compat'
import { validateNetworkConfig } from './validate-network-config.js'
import type { NetworkConfig, OtpConfig } from './network-config.js'
import type { Document, Scalar, YAMLMap } from 'yaml'

/**
 * Reads network config YAML the way Go edgevpn's yaml.v2 does (YAML 1.1, non-strict): unknown
 * keys are ignored, missing ones are zero, the last of duplicate keys wins, int fields accept
 * `0x168`, `0360` (octal), `1_000`, `+25` and truncate floats, string fields keep the source text
 * of unquoted scalars (`yes` stays "yes") and read `null`/`~` as "". Then validates it.
 *
 * @throws ConfigError for text that is not YAML, wrong types, or values a node cannot run with
 */
export function parseNetworkConfigYaml (text: string): NetworkConfig {
  const config = readNetworkConfigYaml(text)
  validateNetworkConfig(config)
  return config
}

/**
 * {@link parseNetworkConfigYaml} without the validation, for configs that another source may
 * still replace.
 *
 * @param source - what the text was read from, for error messages
 */
function readNetworkConfigYaml (text: string, source: string = 'network config'): NetworkConfig {
  const documents = parseAllDocuments(text, { version: '1.1', uniqueKeys: false })
  // yaml.v2 reads the first document only; an empty stream decodes to the zero config
  const document = documents[0]
  if (document === undefined) return emptyNetworkConfig()
  const [syntaxError] = document.errors
  if (syntaxError !== undefined) {
    throw new ConfigError(`invalid ${source}: not YAML (${syntaxError.message.split('\n')[0].replace(/:$/, '')})`)
  }
  try {
    return readConfig(document.contents, '', emptyNetworkConfig(), document)
  } catch (err) {
    if (err instanceof FieldError) throw new ConfigError(`invalid ${source}: ${err.message}`)
    throw err
  }
}

/** Reads UTF-8 config bytes (a decoded token or a file) without validating the result. */
export function readNetworkConfigBytes (bytes: Uint8Array, source: string): NetworkConfig {
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    throw new ConfigError(`invalid ${source}: not UTF-8 text`)
  }
  return readNetworkConfigYaml(text, source)
}

/** The config as yaml.v2 marshals it, byte for byte (the text a token encodes). */
export function networkConfigToYaml (config: NetworkConfig): string {
  const otp = (block: OtpConfig): YamlV2Mapping => [['interval', block.interval], ['key', block.key], ['length', block.length]]
  return emitYamlV2([
    ['otp', [['dht', otp(config.otp.dht)], ['crypto', otp(config.otp.crypto)]]],
    ['room', config.room],
    ['rendezvous', config.rendezvous],
    ['mdns', config.mdns],
    ['max_message_size', config.maxMessageSize]
  ])
}

/** The config yaml.v2 produces from an empty document: every field zero. */
function emptyNetworkConfig (): NetworkConfig {
  return { otp: { dht: emptyOtpConfig(), crypto: emptyOtpConfig() }, room: '', rendezvous: '', mdns: '', maxMessageSize: 0 }
}

function emptyOtpConfig (): OtpConfig {
  return { interval: 0n, key: '', length: 0 }
}

/** A field or type problem; turned into a {@link ConfigError} naming the source. */
class FieldError extends Error {}

const INT64_MAX = (1n << 63n) - 1n
const TWO_TO_63 = 2 ** 63

/** Decodes one known key into `target` (a copy the caller owns). */
type FieldReader<T> = (node: unknown, path: string, target: T, document: Document) => void

const otpFields: Record<string, FieldReader<OtpConfig>> = {
  interval: (node, path, otp) => { otp.interval = readInt64(node, path) },
  key: (node, path, otp) => { otp.key = readString(node, path) },
  length: (node, path, otp) => { otp.length = readInt(node, path) }
}

const otpBlockFields: Record<string, FieldReader<NetworkConfig['otp']>> = {
  dht: (node, path, otp, document) => { otp.dht = readStruct(node, path, otp.dht, emptyOtpConfig, otpFields, document) },
  crypto: (node, path, otp, document) => { otp.crypto = readStruct(node, path, otp.crypto, emptyOtpConfig, otpFields, document) }
}

const configFields: Record<string, FieldReader<NetworkConfig>> = {
  otp: (node, path, config, document) => {
    config.otp = readStruct(node, path, config.otp, () => emptyNetworkConfig().otp, otpBlockFields, document)
  },
  room: (node, path, config) => { config.room = readString(node, path) },
  rendezvous: (node, path, config) => { config.rendezvous = readString(node, path) },
  mdns: (node, path, config) => { config.mdns = readString(node, path) },
  max_message_size: (node, path, config) => { config.maxMessageSize = readInt(node, path) }
}

function readConfig (node: unknown, path: string, current: NetworkConfig, document: Document): NetworkConfig {
  return readStruct(node, path, current, emptyNetworkConfig, configFields, document)
}

/**
 * Decodes a mapping into a copy of `current`, key by key in document order, so a repeated key
 * (even a repeated nested block) overrides only the fields it sets. `null` resets to zero.
 */
function readStruct<T extends object> (node: unknown, path: string, current: T, zero: () => T,
  fields: Record<string, FieldReader<T>>, document: Document): T {
  if (isNull(node, path)) return zero()
  if (!isMap(node)) {
    throw new FieldError(path === ''
      ? `expected a mapping at the top level, got ${describe(node)}`
      : `${path}: expected a mapping, got ${describe(node)}`)
  }
  const target = { ...current }
  forEachEntry(node, path, document, (key, value) => {
    // unknown keys are ignored, as in yaml.v2's non-strict mode
    fields[key]?.(value, path === '' ? key : `${path}.${key}`, target, document)
  })
  return target
}

/** Visits the entries of a mapping, expanding `<<` merge keys in place as yaml.v2 does. */
function forEachEntry (map: YAMLMap, path: string, document: Document, visit: (key: string, value: unknown) => void): void {
  for (const pair of map.items) {
    const key = deref(pair.key, document)
    const value = deref(pair.value, document)
    if (isScalar(key) && key.type === 'PLAIN' && key.tag === undefined && scalarText(key) === '<<') {
      for (const merged of mergeSources(value, path, document)) forEachEntry(merged, path, document, visit)
    } else {
      visit(readString(key, path === '' ? 'mapping key' : `${path} key`), value)
    }
  }
}

/** The mappings a merge key brings in; of a sequence, earlier ones win, so they are applied last. */
function mergeSources (value: unknown, path: string, document: Document): YAMLMap[] {
  const items = isSeq(value) ? value.items.map(item => deref(item, document)).reverse() : [value]
  return items.map(item => {
    if (!isMap(item)) throw new FieldError(`${path === '' ? '' : `${path}: `}<< needs a mapping or a sequence of mappings`)
    return item
  })
}

function deref (node: unknown, document: Document): unknown {
  return isAlias(node) ? node.resolve(document) ?? null : node
}

function readString (node: unknown, path: string): string {
  if (isNull(node, path)) return ''
  if (!isScalar(node)) throw new FieldError(`${path}: expected a string, got ${describe(node)}`)
  if (node.tag === BINARY_TAG) return readBinary(node, path)
  return scalarText(node)
}

const BINARY_TAG = 'tag:yaml.org,2002:binary'

/** `!!binary` scalars hold base64, which yaml.v2 decodes into string fields. */
function readBinary (node: Scalar, path: string): string {
  try {
    return Buffer.from(decodeStdBase64(scalarText(node))).toString('utf8')
  } catch (err) {
    if (err instanceof Base64SyntaxError) throw new FieldError(`${path}: !!binary value is not base64 (${err.message})`)
    throw err
  }
}

/** A Go `int` field: 64-bit; floats are truncated, quoted numbers are strings and rejected. */
function readInt64 (node: unknown, path: string): bigint {
  if (isNull(node, path)) return 0n
  if (!isScalar(node)) throw new FieldError(`${path}: expected an integer, got ${describe(node)}`)
  const resolved = resolve(node, path)
  const text = JSON.stringify(scalarText(node))
  if (resolved.kind === 'int') {
    if (resolved.value > INT64_MAX) throw new FieldError(`${path}: ${text} is above the largest integer ${INT64_MAX}`)
    return resolved.value
  }
  if (resolved.kind === 'float') {
    // Go converts out-of-range floats to a platform-dependent value; refuse them instead
    if (!(resolved.value >= -TWO_TO_63 && resolved.value < TWO_TO_63)) {
      throw new FieldError(`${path}: ${text} is out of the 64-bit integer range`)
    }
    return BigInt(Math.trunc(resolved.value))
  }
  // the text is not echoed: a misplaced secret (an OTP key one line off) must not reach the logs
  throw new FieldError(`${path}: expected an integer, got ${withArticle(resolved.kind)}`)
}

/** An int field kept as a JavaScript number (lengths, sizes): must be a safe integer. */
function readInt (node: unknown, path: string): number {
  const value = readInt64(node, path)
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new FieldError(`${path}: ${value} is too large`)
  }
  return Number(value)
}

function isNull (node: unknown, path: string): boolean {
  return node === null || node === undefined || (isScalar(node) && resolve(node, path).kind === 'null')
}

/** How yaml.v2 types a scalar: quoted and block scalars are strings unless explicitly tagged. */
function resolve (node: Scalar, path: string): ResolvedScalar {
  const text = scalarText(node)
  if (node.tag !== undefined) {
    try {
      return resolveTaggedScalar(node.tag.replace(/^tag:yaml\.org,2002:/, ''), text)
    } catch (err) {
      throw new FieldError(`${path}: ${(err as Error).message}`)
    }
  }
  return node.type === 'PLAIN' ? resolvePlainScalar(text) : { kind: 'string' }
}

/** The scalar's text after unescaping and folding, before any typing (yaml.v2's node value). */
function scalarText (node: Scalar): string {
  return node.source ?? String(node.value)
}

function withArticle (kind: string): string {
  return `${/^[aeiou]/.test(kind) ? 'an' : 'a'} ${kind}`
}

function describe (node: unknown): string {
  if (isMap(node)) return 'a mapping'
  if (isSeq(node)) return 'a sequence'
  // kind only: the text may be a secret (a token given as the config file)
  if (isScalar(node)) return withArticle(resolve(node, '').kind)
  return 'null'
}
