/**
 * Domain names: the uncompressed wire form (length-prefixed labels ending with a zero byte)
 * and the presentation form that Go's miekg/dns produces and parses.
 */

import { DnsNameError } from './errors.js'

export const MAX_NAME_LENGTH = 255
export const MAX_LABEL_LENGTH = 63

/** The root name `.` in wire form. */
export const ROOT_NAME = Uint8Array.of(0)

/** Bytes miekg writes as `\X` (everything else outside `!`..`~` becomes `\DDD`). */
const SPECIAL = new Set([...'. \'@;()"\\'].map(c => c.charCodeAt(0)))

/**
 * Presentation form with a trailing dot, as miekg `UnpackDomainName` writes it: original case,
 * special bytes escaped as `\X` and non-printable ones as `\DDD` — the subject of `dns` regexes.
 */
export function nameToText (wire: Uint8Array): string {
  let text = ''
  let offset = 0
  while (offset < wire.length) {
    const length = wire[offset] as number
    if (length === 0) break
    for (const b of wire.subarray(offset + 1, offset + 1 + length)) {
      if (SPECIAL.has(b)) text += '\\' + String.fromCharCode(b)
      else if (b < 0x21 || b > 0x7e) text += '\\' + String(b).padStart(3, '0')
      else text += String.fromCharCode(b)
    }
    text += '.'
    offset += 1 + length
  }
  return text === '' ? '.' : text
}

/**
 * Parse a name in presentation form (`\X` and `\DDD` escapes). Relative names are made absolute
 * by appending the root, like miekg's zone parser with origin `.`; `@` is the root.
 *
 * @throws DnsNameError for empty labels, labels over 63 bytes or names over 255 bytes
 */
export function textToName (text: string): Uint8Array {
  if (text === '.' || text === '@') return ROOT_NAME
  const bytes = Buffer.from(text, 'utf8')
  const out: number[] = []
  let label: number[] = []
  const endLabel = (): void => {
    if (label.length === 0) throw new DnsNameError(text, 'empty label')
    if (label.length > MAX_LABEL_LENGTH) throw new DnsNameError(text, `label longer than ${MAX_LABEL_LENGTH} bytes`)
    out.push(label.length, ...label)
    label = []
  }
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number
    if (b === 0x2e) {
      endLabel()
    } else if (b === 0x5c) {
      const digits = bytes.subarray(i + 1, i + 4).toString('latin1')
      if (/^\d{3}$/.test(digits)) {
        if (Number(digits) > 255) throw new DnsNameError(text, `escape \\${digits} is not a byte`)
        label.push(Number(digits))
        i += 3
      } else if (i + 1 < bytes.length) {
        label.push(bytes[++i] as number)
      } else {
        throw new DnsNameError(text, 'trailing backslash')
      }
    } else {
      label.push(b)
    }
  }
  if (label.length > 0) endLabel()
  out.push(0)
  if (out.length > MAX_NAME_LENGTH) throw new DnsNameError(text, `longer than ${MAX_NAME_LENGTH} bytes`)
  return Uint8Array.from(out)
}

/** ASCII-lowercased copy (DNS names compare case-insensitively). */
export function lowerName (wire: Uint8Array): Uint8Array {
  return wire.map(lowerByte)
}

/** Case-insensitive equality (length bytes are at most 63, below the letters, so unaffected). */
export function namesEqual (a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) {
    if (lowerByte(a[i] as number) !== lowerByte(b[i] as number)) return false
  }
  return true
}

function lowerByte (b: number): number {
  return b >= 0x41 && b <= 0x5a ? b + 0x20 : b
}

/** The labels of a wire name, root excluded. */
export function nameLabels (wire: Uint8Array): Uint8Array[] {
  const labels: Uint8Array[] = []
  let offset = 0
  while (offset < wire.length && wire[offset] !== 0) {
    const length = wire[offset] as number
    labels.push(wire.subarray(offset + 1, offset + 1 + length))
    offset += 1 + length
  }
  return labels
}

/**
 * The address a reverse-lookup name stands for: `d.c.b.a.in-addr.arpa.` → 4 bytes,
 * 32 nibbles `.ip6.arpa.` → 16 bytes; undefined for any other name.
 */
export function reverseNameAddress (wire: Uint8Array): Uint8Array | undefined {
  const labels = nameLabels(lowerName(wire)).map(label => Buffer.from(label).toString('latin1'))
  const zone = labels.slice(-2).join('.')
  const parts = labels.slice(0, -2).reverse()
  if (zone === 'in-addr.arpa' && parts.length === 4 && parts.every(p => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255)) {
    return Uint8Array.from(parts.map(Number))
  }
  if (zone === 'ip6.arpa' && parts.length === 32 && parts.every(p => /^[0-9a-f]$/.test(p))) {
    return Uint8Array.from(Buffer.from(parts.join(''), 'hex'))
  }
  return undefined
}
