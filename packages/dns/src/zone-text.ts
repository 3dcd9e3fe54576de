/**
 * RDATA from the record text stored in the ledger. Go edgevpn builds each answer with
 * `dns.NewRR("<qname> <TYPE> <value>")`; this parses `<value>` with the same zone-file rules for
 * A, AAAA, CNAME, DNAME, NS, PTR, MX, SRV (`priority weight port target`) and TXT, plus the
 * RFC 3597 generic form `\# <length> <hex>` for any type.
 */

import { DnsNameError, DnsRecordTextError } from './errors.js'
import { ipv4Bytes, parseIPv4, parseIPv6 } from '@edgevpn/go-compat'
import { textToName } from './names.js'
import { dnsRecordTypeName } from './rr-types.js'

interface Token {
  /** The token's text with escapes still in place. */
  readonly text: string
  readonly quoted: boolean
}

const MAX_STRING = 255

/**
 * Encode `value` as the RDATA of `type`.
 *
 * @throws DnsRecordTextError when the text is not valid for the type, or the type is not supported
 */
export function recordData (type: number, value: string): Uint8Array {
  const typeName = dnsRecordTypeName(type)
  const fail = (problem: string): never => { throw new DnsRecordTextError(typeName, value, problem) }
  const data = encodeData(type, value, fail)
  return data.length > 0xffff ? fail('longer than 65535 bytes') : data
}

function encodeData (type: number, value: string, fail: (problem: string) => never): Uint8Array {
  const tokens = tokenize(value, fail)
  if (tokens[0]?.text === '\\#' && tokens[0].quoted === false) return genericData(tokens.slice(1), fail)
  const take = (count: number): string[] => {
    if (tokens.length !== count) fail(`expected ${count} field${count === 1 ? '' : 's'}, got ${tokens.length}`)
    return tokens.map(token => token.text)
  }
  const name = (text: string): Uint8Array => {
    try {
      return textToName(text)
    } catch (err) {
      if (err instanceof DnsNameError) fail(err.message)
      throw err
    }
  }
  const u16 = (text: string): Uint8Array => {
    if (!/^\d{1,5}$/.test(text) || Number(text) > 0xffff) fail(`${JSON.stringify(text)} is not a 16-bit number`)
    return Uint8Array.of(Number(text) >> 8, Number(text) & 0xff)
  }
  switch (type) {
    case 1: {
      const [text] = take(1) as [string]
      const address = parseIPv4(text)
      return address === undefined ? fail('not an IPv4 address') : ipv4Bytes(address)
    }
    case 28: {
      const [text] = take(1) as [string]
      return parseIPv6(text) ?? fail('not an IPv6 address')
    }
    case 2: case 5: case 12: case 39:
      return name(take(1)[0] as string)
    case 15: {
      const [preference, exchange] = take(2) as [string, string]
      return Buffer.concat([u16(preference), name(exchange)])
    }
    case 33: {
      const [priority, weight, port, target] = take(4) as [string, string, string, string]
      return Buffer.concat([u16(priority), u16(weight), u16(port), name(target)])
    }
    case 16:
      if (tokens.length === 0) fail('no strings')
      return Buffer.concat(tokens.flatMap(token => characterStrings(unescape(token.text))))
    default:
      return fail('record type not supported')
  }
}

/**
 * Split zone-file text into fields: blanks separate them, `"..."` quotes, `;` starts a comment,
 * parentheses only group lines, and a newline ends the record (later records are ignored, as
 * `dns.NewRR` returns the first one).
 */
function tokenize (text: string, fail: (problem: string) => never): Token[] {
  const tokens: Token[] = []
  let current = ''
  let inToken = false
  let quoted = false
  let parens = 0
  const flush = (): void => {
    if (inToken) tokens.push({ text: current, quoted })
    current = ''
    inToken = false
    quoted = false
  }
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string
    if (quoted) {
      if (c === '\\' && i + 1 < text.length) current += c + text[++i]
      else if (c === '"') flush()
      else current += c
      continue
    }
    if (c === '\\' && i + 1 < text.length) {
      current += c + text[++i]
      inToken = true
    } else if (c === '"') {
      flush()
      inToken = true
      quoted = true
    } else if (c === ';') {
      const end = text.indexOf('\n', i)
      if (end === -1) break
      i = end - 1
    } else if (c === '(' || c === ')') {
      flush()
      parens += c === '(' ? 1 : -1
      if (parens < 0) fail('unbalanced )')
    } else if (c === '\n' && parens === 0) {
      break
    } else if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      flush()
    } else {
      current += c
      inToken = true
    }
  }
  if (quoted) fail('unterminated quoted string')
  flush()
  return tokens
}

/** Resolve `\X` and `\DDD` escapes into bytes. */
function unescape (text: string): Uint8Array {
  const bytes = Buffer.from(text, 'utf8')
  const out: number[] = []
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number
    if (b !== 0x5c || i + 1 >= bytes.length) {
      out.push(b)
      continue
    }
    const digits = bytes.subarray(i + 1, i + 4).toString('latin1')
    if (/^\d{3}$/.test(digits) && Number(digits) <= 255) {
      out.push(Number(digits))
      i += 3
    } else {
      out.push(bytes[++i] as number)
    }
  }
  return Uint8Array.from(out)
}

/** Length-prefixed character strings; text over 255 bytes is split, as miekg does. */
function characterStrings (bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = []
  for (let offset = 0; offset === 0 || offset < bytes.length; offset += MAX_STRING) {
    const chunk = bytes.subarray(offset, offset + MAX_STRING)
    out.push(Uint8Array.of(chunk.length), chunk)
  }
  return out
}

function genericData (tokens: Token[], fail: (problem: string) => never): Uint8Array {
  const [length, ...hex] = tokens.map(token => token.text)
  if (length === undefined || !/^\d{1,5}$/.test(length)) fail('\\# needs a length')
  const digits = hex.join('')
  if (!/^([0-9a-fA-F]{2})*$/.test(digits) || digits.length / 2 !== Number(length)) fail(`\\# data is not ${length} hex bytes`)
  return Uint8Array.from(Buffer.from(digits, 'hex'))
}
