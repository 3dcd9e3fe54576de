import { isBase60Float, resolvePlainScalar } from './yaml-v2-scalar.js'

/**
 * A block mapping to write: entries in order, keys plain identifiers, leaves strings or integers.
 * Nested mappings must not be empty (yaml.v2 would switch to `{}` flow style).
 */
export type YamlV2Mapping = Array<[key: string, value: YamlV2Mapping | string | bigint | number]>

/**
 * Writes `mapping` byte for byte as yaml.v2's `Marshal` does (libyaml emitter, 2-space indent,
 * line folding past column 80, yaml.v2's choice between plain, quoted and literal strings).
 * Only the block-mapping subset the network config needs is implemented.
 */
export function emitYamlV2 (mapping: YamlV2Mapping): string {
  const emitter = new BlockEmitter()
  emitter.mapping(mapping)
  emitter.writeIndent()
  return emitter.output
}

/** libyaml's default preferred line width; long scalars are folded at spaces past it. */
const BEST_WIDTH = 80
const BEST_INDENT = 2

type ScalarStyle = 'plain' | 'single' | 'double' | 'literal'

const ESCAPES = new Map<number, string>([
  [0x00, '0'], [0x07, 'a'], [0x08, 'b'], [0x09, 't'], [0x0a, 'n'], [0x0b, 'v'], [0x0c, 'f'],
  [0x0d, 'r'], [0x1b, 'e'], [0x22, '"'], [0x5c, '\\'], [0x85, 'N'], [0xa0, '_'],
  [0x2028, 'L'], [0x2029, 'P']
])

/** The emitter state of libyaml that decides spacing, indentation and folding. */
class BlockEmitter {
  output = ''
  private column = 0
  private indent = -1
  private readonly indents: number[] = []
  private whitespace = true
  private indention = true

  mapping (entries: YamlV2Mapping): void {
    this.increaseIndent(false)
    for (const [key, value] of entries) {
      this.writeIndent()
      this.scalar(() => { this.writePlain([...key], false) })
      this.writeIndicator(':', false, false, false)
      if (Array.isArray(value)) this.mapping(value)
      else if (typeof value === 'string') this.string(value)
      else this.scalar(() => { this.writePlain([...String(value)], true) })
    }
    this.popIndent()
  }

  /** Ends the current line and indents the next one, unless already there. */
  writeIndent (): void {
    const indent = Math.max(this.indent, 0)
    if (!this.indention || this.column > indent || (this.column === indent && !this.whitespace)) this.putBreak()
    while (this.column < indent) this.put(' ')
    this.whitespace = true
    this.indention = true
  }

  private string (value: string): void {
    const chars = [...value.toWellFormed()]
    const style = selectStyle(value, analyze(chars))
    this.scalar(() => {
      if (style === 'plain') this.writePlain(chars, true)
      else if (style === 'single') this.writeSingleQuoted(chars)
      else if (style === 'double') this.writeDoubleQuoted(chars)
      else this.writeLiteral(chars)
    })
  }

  /** Scalars are written one indentation step deeper than their mapping (continuation lines). */
  private scalar (write: () => void): void {
    this.increaseIndent(true)
    write()
    this.popIndent()
  }

  private increaseIndent (flow: boolean): void {
    this.indents.push(this.indent)
    this.indent = this.indent < 0 ? (flow ? BEST_INDENT : 0) : this.indent + BEST_INDENT
  }

  private popIndent (): void {
    this.indent = this.indents.pop() ?? -1
  }

  private put (char: string): void {
    this.output += char
    this.column++
  }

  private putBreak (): void {
    this.output += '\n'
    this.column = 0
  }

  private writeBreak (char: string): void {
    if (char === '\n') {
      this.putBreak()
    } else {
      this.output += char
      this.column = 0
    }
  }

  private writeIndicator (indicator: string, needWhitespace: boolean, isWhitespace: boolean, isIndention: boolean): void {
    if (needWhitespace && !this.whitespace) this.put(' ')
    for (const char of indicator) this.put(char)
    this.whitespace = isWhitespace
    this.indention = this.indention && isIndention
  }

  /** Whether a space at `index` is replaced by a line break (folding). */
  private foldsAt (chars: string[], index: number, afterSpace: boolean): boolean {
    return !afterSpace && this.column > BEST_WIDTH && chars[index + 1] !== ' '
  }

  private writePlain (chars: string[], allowBreaks: boolean): void {
    if (!this.whitespace) this.put(' ')
    this.writeFlowText(chars, char => { this.put(char) }, () => allowBreaks)
    this.whitespace = false
    this.indention = false
  }

  private writeSingleQuoted (chars: string[]): void {
    this.writeIndicator("'", true, false, false)
    this.writeFlowText(chars, char => {
      if (char === "'") this.put("'")
      this.put(char)
    }, index => index > 0 && index < chars.length - 1)
    this.writeIndicator("'", false, false, false)
    this.whitespace = false
    this.indention = false
  }

  /**
   * The shared loop of plain and single-quoted scalars: spaces may fold, a first `\n` of a run is
   * doubled (a single break would read back as a space), other characters go through `write`.
   */
  private writeFlowText (chars: string[], write: (char: string) => void, mayFoldAt: (index: number) => boolean): void {
    let spaces = false
    let breaks = false
    chars.forEach((char, index) => {
      if (char === ' ') {
        if (mayFoldAt(index) && this.foldsAt(chars, index, spaces)) this.writeIndent()
        else this.put(char)
        spaces = true
      } else if (isBreak(char)) {
        if (!breaks && char === '\n') this.putBreak()
        this.writeBreak(char)
        this.indention = true
        breaks = true
      } else {
        if (breaks) this.writeIndent()
        write(char)
        this.indention = false
        spaces = false
        breaks = false
      }
    })
  }

  private writeDoubleQuoted (chars: string[]): void {
    // libyaml tests for a byte-order mark at the start of the whole value, not at each character
    const escapeAll = chars[0] === '\ufeff'
    this.writeIndicator('"', true, false, false)
    let spaces = false
    chars.forEach((char, index) => {
      const code = char.codePointAt(0) ?? 0
      if (escapeAll || !isPrintable(code) || isBreak(char) || char === '"' || char === '\\') {
        this.put('\\')
        for (const c of escapeSequence(code)) this.put(c)
        spaces = false
      } else if (char === ' ') {
        if (index > 0 && index < chars.length - 1 && !spaces && this.column > BEST_WIDTH) {
          this.writeIndent()
          // a space at the start of a continuation line would be folded away: escape it
          if (chars[index + 1] === ' ') this.put('\\')
        } else {
          this.put(char)
        }
        spaces = true
      } else {
        this.put(char)
        spaces = false
      }
    })
    this.writeIndicator('"', false, false, false)
    this.whitespace = false
    this.indention = false
  }

  private writeLiteral (chars: string[]): void {
    this.writeIndicator('|', true, false, false)
    if (chars[0] === ' ' || isBreak(chars[0])) this.writeIndicator(String(BEST_INDENT), false, false, false)
    const chomp = chompIndicator(chars)
    if (chomp !== '') this.writeIndicator(chomp, false, false, false)
    this.putBreak()
    this.indention = true
    this.whitespace = true
    let breaks = true
    for (const char of chars) {
      if (isBreak(char)) {
        this.writeBreak(char)
        this.indention = true
        breaks = true
      } else {
        if (breaks) this.writeIndent()
        this.put(char)
        this.indention = false
        breaks = false
      }
    }
  }
}

interface ScalarAnalysis {
  blockPlainAllowed: boolean
  singleQuotedAllowed: boolean
  blockAllowed: boolean
}

/** yaml.v2's `stringv` request, narrowed by libyaml's `select_scalar_style` for block context. */
function selectStyle (value: string, analysis: ScalarAnalysis): ScalarStyle {
  let style: ScalarStyle
  if (value.includes('\n')) style = 'literal'
  else if (resolvePlainScalar(value).kind === 'string' && !isBase60Float(value)) style = 'plain'
  else style = 'double'
  if (style === 'plain' && !analysis.blockPlainAllowed) style = 'single'
  if (style === 'single' && !analysis.singleQuotedAllowed) style = 'double'
  if (style === 'literal' && !analysis.blockAllowed) style = 'double'
  return style
}

/** libyaml's `analyze_scalar`, reduced to the block-context outcomes. */
function analyze (chars: string[]): ScalarAnalysis {
  if (chars.length === 0) return { blockPlainAllowed: true, singleQuotedAllowed: true, blockAllowed: false }
  const text = chars.join('')
  let blockIndicators = text.startsWith('---') || text.startsWith('...')
  let special = false
  let lineBreaks = false
  let leadingOrTrailing = false
  let trailingSpace = false
  let breakSpace = false
  let spaceBreak = false
  let previousSpace = false
  let previousBreak = false
  let precededByWhitespace = true
  chars.forEach((char, index) => {
    const next = chars[index + 1]
    const followedByWhitespace = next === undefined || next === ' ' || next === '\t'
    const last = index === chars.length - 1
    if (index === 0) {
      if ('#,[]{}&*!|>\'"%@`'.includes(char)) blockIndicators = true
      else if ('?:-'.includes(char) && followedByWhitespace) blockIndicators = true
    } else if ((char === ':' && followedByWhitespace) || (char === '#' && precededByWhitespace)) {
      blockIndicators = true
    }
    if (!isPrintable(char.codePointAt(0) ?? 0)) special = true
    if (char === ' ') {
      if (index === 0 || last) leadingOrTrailing = true
      if (last) trailingSpace = true
      if (previousBreak) breakSpace = true
      previousSpace = true
      previousBreak = false
    } else if (isBreak(char)) {
      lineBreaks = true
      if (index === 0 || last) leadingOrTrailing = true
      if (previousSpace) spaceBreak = true
      previousSpace = false
      previousBreak = true
    } else {
      previousSpace = false
      previousBreak = false
    }
    precededByWhitespace = char === ' ' || char === '\t' || char === '\0' || isBreak(char)
  })
  return {
    blockPlainAllowed: !(leadingOrTrailing || breakSpace || spaceBreak || special || lineBreaks || blockIndicators),
    singleQuotedAllowed: !(breakSpace || spaceBreak || special),
    blockAllowed: !(trailingSpace || spaceBreak || special)
  }
}

/** `-` strips a missing final break, `+` keeps several (or a value that is only a break). */
function chompIndicator (chars: string[]): string {
  if (!isBreak(chars[chars.length - 1])) return '-'
  if (chars.length === 1 || isBreak(chars[chars.length - 2])) return '+'
  return ''
}

function escapeSequence (code: number): string {
  const named = ESCAPES.get(code)
  if (named !== undefined) return named
  if (code <= 0xff) return 'x' + hex(code, 2)
  if (code <= 0xffff) return 'u' + hex(code, 4)
  return 'U' + hex(code, 8)
}

function hex (code: number, digits: number): string {
  return code.toString(16).toUpperCase().padStart(digits, '0')
}

/** libyaml's printable set; everything else (tabs, astral characters, BOM) forces escaping. */
function isPrintable (code: number): boolean {
  return code === 0x0a || (code >= 0x20 && code <= 0x7e) || (code >= 0xa0 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd && code !== 0xfeff)
}

function isBreak (char: string | undefined): boolean {
  return char === '\n' || char === '\r' || char === '\u0085' || char === '\u2028' || char === '\u2029'
}
