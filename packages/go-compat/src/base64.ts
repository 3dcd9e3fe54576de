/**
 * Decoding with the exact rules of Go's `base64.StdEncoding`, which Node's lenient decoders do
 * not follow: only `\r` and `\n` are skipped (anywhere, even between padding characters), padding
 * is required, nothing but line breaks may follow it, and non-zero trailing bits are accepted.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
const SEXTETS = new Map([...ALPHABET].map((char, value) => [char, value]))

/** Thrown for input Go would reject; the message names the offending position. */
export class Base64SyntaxError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'Base64SyntaxError'
  }
}

/** Padded standard base64, as Go writes a `[]byte` in JSON. */
export function encodeStdBase64 (bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')
}

/** Decodes standard padded base64 or throws a {@link Base64SyntaxError}. */
export function decodeStdBase64 (text: string): Uint8Array {
  const sextets: number[] = []
  let padding = 0
  let position = 0
  for (; position < text.length; position++) {
    const char = text[position]
    if (char === '\r' || char === '\n') continue
    if (char === '=') {
      padding = readPadding(text, position, sextets.length % 4)
      break
    }
    const value = SEXTETS.get(char)
    if (value === undefined) throw new Base64SyntaxError(`unexpected ${describeChar(char)} at position ${position}`)
    sextets.push(value)
  }
  if (padding === 0 && sextets.length % 4 !== 0) {
    throw new Base64SyntaxError(`missing padding at position ${text.length}`)
  }
  return sextetsToBytes(sextets)
}

/**
 * Checks the padding that starts at `start` after `quantumLength` sextets of the last quantum and
 * returns how many `=` it held.
 */
function readPadding (text: string, start: number, quantumLength: number): number {
  if (quantumLength < 2) throw new Base64SyntaxError(`unexpected '=' at position ${start}`)
  let position = skipLineBreaks(text, start + 1)
  if (quantumLength === 2) {
    if (position === text.length) throw new Base64SyntaxError(`missing padding at position ${position}`)
    if (text[position] !== '=') throw new Base64SyntaxError(`unexpected ${describeChar(text[position])} at position ${position}`)
    position = skipLineBreaks(text, position + 1)
  }
  if (position < text.length) {
    throw new Base64SyntaxError(`unexpected ${describeChar(text[position])} at position ${position} after the padding`)
  }
  return 4 - quantumLength
}

function skipLineBreaks (text: string, position: number): number {
  while (position < text.length && (text[position] === '\r' || text[position] === '\n')) position++
  return position
}

/** Packs 6-bit groups into bytes; the bits of an incomplete last byte are dropped, as Go does. */
function sextetsToBytes (sextets: number[]): Uint8Array {
  const bytes = new Uint8Array(Math.floor(sextets.length * 6 / 8))
  let buffer = 0
  let bits = 0
  let index = 0
  for (const sextet of sextets) {
    buffer = ((buffer << 6) | sextet) & 0xfff
    bits += 6
    if (bits >= 8) {
      bits -= 8
      bytes[index++] = (buffer >> bits) & 0xff
    }
  }
  return bytes
}

function describeChar (char: string): string {
  const code = char.codePointAt(0) ?? 0
  if (code >= 0x20 && code < 0x7f) return `character '${char}'`
  return `character U+${code.toString(16).toUpperCase().padStart(4, '0')}`
}

/** Go's `base64.URLEncoding.EncodeToString`: the URL alphabet, with `=` padding. */
export function encodePaddedBase64Url (bytes: Uint8Array): string {
  const unpadded = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url')
  return unpadded + '='.repeat((4 - unpadded.length % 4) % 4)
}

/**
 * Go's `base64.URLEncoding.DecodeString`: the URL alphabet with required padding; the standard
 * alphabet's `+` and `/` are errors.
 *
 * @throws Base64SyntaxError naming the offending position
 */
export function decodePaddedBase64Url (text: string): Uint8Array {
  const standardOnly = /[+/]/.exec(text)
  if (standardOnly !== null) throw new Base64SyntaxError(`unexpected character '${standardOnly[0]}' at position ${standardOnly.index}`)
  return decodeStdBase64(text.replaceAll('-', '+').replaceAll('_', '/'))
}
