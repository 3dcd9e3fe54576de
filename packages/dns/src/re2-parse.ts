/**
 * A parser for Go's RE2 regular expression syntax (`regexp.Compile`, Perl flags), producing a
 * small syntax tree for the linear-time matcher in `re2.ts`.
 *
 * The patterns are tested against DNS names in presentation format, which are printable ASCII
 * (miekg escapes every other byte as `\DDD`). Character sets are therefore evaluated once, at
 * parse time, over the 128 ASCII code points; Unicode classes and case folding are resolved
 * against that alphabet.
 */

import { Re2SyntaxError } from './errors.js'

/** Membership of each ASCII code point (index 0-127): 1 = member. */
export type CharSet = Uint8Array

export type Assertion = 'beginText' | 'endText' | 'beginLine' | 'endLine' | 'wordBoundary' | 'notWordBoundary'

export type Re2Node =
  | { readonly kind: 'set', readonly chars: CharSet }
  | { readonly kind: 'assert', readonly at: Assertion }
  | { readonly kind: 'concat', readonly items: readonly Re2Node[] }
  | { readonly kind: 'alternate', readonly items: readonly Re2Node[] }
  /** `max` -1 means unbounded. */
  | { readonly kind: 'repeat', readonly item: Re2Node, readonly min: number, readonly max: number }

/** Go's limits: repeat counts up to 1000, nesting up to 1000. */
const MAX_REPEAT = 1000
const MAX_DEPTH = 1000
const ALPHABET = 128

/** The only non-ASCII code points whose simple case folding reaches ASCII: KELVIN SIGN, LONG S. */
const FOLDS_TO_ASCII = new Map([[0x6b, 0x212a], [0x4b, 0x212a], [0x73, 0x17f], [0x53, 0x17f]])

type CodePointTest = (codePoint: number) => boolean

const range = (lo: number, hi: number): CodePointTest => (c) => c >= lo && c <= hi
const anyOf = (...tests: CodePointTest[]): CodePointTest => (c) => tests.some(test => test(c))

const DIGIT = range(0x30, 0x39)
const UPPER = range(0x41, 0x5a)
const LOWER = range(0x61, 0x7a)
const WORD = anyOf(DIGIT, UPPER, LOWER, (c) => c === 0x5f)

const PERL_CLASSES: Record<string, CodePointTest> = {
  d: DIGIT,
  s: (c) => c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d || c === 0x20,
  w: WORD
}

const POSIX_CLASSES: Record<string, CodePointTest> = {
  alnum: anyOf(DIGIT, UPPER, LOWER),
  alpha: anyOf(UPPER, LOWER),
  ascii: range(0, 0x7f),
  blank: (c) => c === 0x09 || c === 0x20,
  cntrl: (c) => c <= 0x1f || c === 0x7f,
  digit: DIGIT,
  graph: range(0x21, 0x7e),
  lower: LOWER,
  print: range(0x20, 0x7e),
  punct: anyOf(range(0x21, 0x2f), range(0x3a, 0x40), range(0x5b, 0x60), range(0x7b, 0x7e)),
  space: anyOf(range(0x09, 0x0d), (c) => c === 0x20),
  upper: UPPER,
  word: WORD,
  xdigit: anyOf(DIGIT, range(0x41, 0x46), range(0x61, 0x66))
}

/** Go's `unicode.Categories` keys; any other name must be a script (or `Any`). */
const GENERAL_CATEGORIES = new Set([
  'C', 'Cc', 'Cf', 'Co', 'Cs', 'L', 'Ll', 'Lm', 'Lo', 'Lt', 'Lu', 'M', 'Mc', 'Me', 'Mn', 'N', 'Nd', 'Nl', 'No',
  'P', 'Pc', 'Pd', 'Pe', 'Pf', 'Pi', 'Po', 'Ps', 'S', 'Sc', 'Sk', 'Sm', 'So', 'Z', 'Zl', 'Zp', 'Zs'
])

interface Flags {
  /** `i`: case-insensitive. */
  fold: boolean
  /** `s`: `.` matches `\n`. */
  dotNewline: boolean
  /** `m`: `^` and `$` match at line boundaries. */
  multiLine: boolean
}

/**
 * Parse a pattern with Go's `regexp.Compile` rules.
 *
 * @throws Re2SyntaxError where Go would return an error (lookarounds, backreferences, bad escapes,
 * repeat counts over 1000, ...)
 */
export function parseRe2 (pattern: string): Re2Node {
  return new Parser(pattern).parse()
}

class Parser {
  private readonly pattern: string
  private readonly chars: number[]
  private pos = 0
  private depth = 0
  private flags: Flags = { fold: false, dotNewline: false, multiLine: false }
  private readonly groupNames = new Set<string>()

  constructor (pattern: string) {
    this.pattern = pattern
    this.chars = [...pattern].map(c => c.codePointAt(0) as number)
  }

  parse (): Re2Node {
    const node = this.alternation()
    if (this.pos < this.chars.length) this.fail('unexpected )')
    return node
  }

  private fail (problem: string): never {
    throw new Re2SyntaxError(this.pattern, problem)
  }

  private peek (offset = 0): number | undefined {
    return this.chars[this.pos + offset]
  }

  private peekChar (offset = 0): string {
    const c = this.peek(offset)
    return c === undefined ? '' : String.fromCodePoint(c)
  }

  private next (): number {
    const c = this.chars[this.pos++]
    if (c === undefined) this.fail('unexpected end of pattern')
    return c
  }

  private lookingAt (text: string): boolean {
    return this.pattern.startsWith(text, this.offsetOf(this.pos))
  }

  /** String offset of a code point index (patterns may hold astral characters). */
  private offsetOf (index: number): number {
    let offset = 0
    for (let i = 0; i < index; i++) offset += (this.chars[i] as number) > 0xffff ? 2 : 1
    return offset
  }

  private alternation (): Re2Node {
    const items = [this.concatenation()]
    while (this.peekChar() === '|') {
      this.pos++
      items.push(this.concatenation())
    }
    return items.length === 1 ? items[0] as Re2Node : { kind: 'alternate', items }
  }

  private concatenation (): Re2Node {
    const items: Re2Node[] = []
    let lastWasRepeat = false
    for (;;) {
      const c = this.peekChar()
      if (c === '' || c === '|' || c === ')') break
      if (c === '*' || c === '+' || c === '?' || (c === '{' && this.repeatBounds() !== undefined)) {
        if (lastWasRepeat) this.fail('invalid nested repetition operator')
        const item = items.pop()
        if (item === undefined) this.fail('missing argument to repetition operator')
        items.push(this.repeat(item))
        lastWasRepeat = true
        continue
      }
      lastWasRepeat = false
      if (c === '(' && this.flagGroup()) continue
      items.push(...this.atom())
    }
    return items.length === 1 ? items[0] as Re2Node : { kind: 'concat', items }
  }

  private repeat (item: Re2Node): Re2Node {
    const c = this.peekChar()
    let min: number
    let max: number
    if (c === '{') {
      const bounds = this.repeatBounds() as { min: number, max: number, length: number }
      this.pos += bounds.length
      ;({ min, max } = bounds)
      if (min > MAX_REPEAT || max > MAX_REPEAT || (max !== -1 && max < min)) this.fail('invalid repeat count')
    } else {
      this.pos++
      min = c === '+' ? 1 : 0
      max = c === '?' ? 1 : -1
    }
    // a trailing ? makes the repeat non-greedy, which does not change whether a match exists
    if (this.peekChar() === '?') this.pos++
    return { kind: 'repeat', item, min, max }
  }

  /** `{n}`, `{n,}` or `{n,m}` at the cursor; anything else makes `{` a literal. */
  private repeatBounds (): { min: number, max: number, length: number } | undefined {
    const match = /^\{(\d+)(,(\d*))?\}/.exec(this.pattern.slice(this.offsetOf(this.pos)))
    if (match === null) return undefined
    const min = Number(match[1])
    const max = match[2] === undefined ? min : match[3] === '' ? -1 : Number(match[3])
    return { min, max, length: match[0].length }
  }

  /** `(?flags)`: changes the flags until the end of the enclosing group. */
  private flagGroup (): boolean {
    const match = /^\(\?([imsU]*(?:-[imsU]*)?)\)/.exec(this.pattern.slice(this.offsetOf(this.pos)))
    if (match === null) return false
    this.pos += match[0].length
    this.flags = this.applyFlags(match[1] as string)
    return true
  }

  private applyFlags (spec: string): Flags {
    const [set = '', clear] = spec.split('-')
    if (clear === '') this.fail('missing flag after -')
    const flags = { ...this.flags }
    for (const [letters, value] of [[set, true], [clear ?? '', false]] as const) {
      for (const letter of letters) {
        if (letter === 'i') flags.fold = value
        else if (letter === 's') flags.dotNewline = value
        else if (letter === 'm') flags.multiLine = value
        // U (ungreedy) only changes which match is found, not whether one exists
      }
    }
    return flags
  }

  private atom (): Re2Node[] {
    const c = this.next()
    switch (String.fromCodePoint(c)) {
      case '(': return [this.group()]
      case '[': return [this.characterClass()]
      case '.': return [{ kind: 'set', chars: this.setOf((x) => this.flags.dotNewline || x !== 0x0a) }]
      case '^': return [{ kind: 'assert', at: this.flags.multiLine ? 'beginLine' : 'beginText' }]
      case '$': return [{ kind: 'assert', at: this.flags.multiLine ? 'endLine' : 'endText' }]
      case '\\': return this.escapeAtom()
      default: return [this.literal(c)]
    }
  }

  private group (): Re2Node {
    if (++this.depth > MAX_DEPTH) this.fail('expression nests too deeply')
    const saved = this.flags
    if (this.peekChar() === '?') this.groupPrefix()
    const node = this.alternation()
    if (this.peekChar() !== ')') this.fail('missing closing )')
    this.pos++
    this.flags = saved
    this.depth--
    return node
  }

  /** After `(?`: a named capture, or `flags:`; lookarounds and the like are not RE2. */
  private groupPrefix (): void {
    const rest = this.pattern.slice(this.offsetOf(this.pos + 1))
    const named = /^P?<([^>]*)>/.exec(rest)
    if (named !== null) {
      const name = named[1] as string
      if (!/^\w+$/.test(name)) this.fail(`invalid named capture ${JSON.stringify(name)}`)
      if (this.groupNames.has(name)) this.fail(`duplicate capture group name ${JSON.stringify(name)}`)
      this.groupNames.add(name)
      this.pos += 1 + [...named[0]].length
      return
    }
    const flags = /^([imsU]*(?:-[imsU]*)?):/.exec(rest)
    if (flags === null) this.fail(`invalid or unsupported Perl syntax (?${rest.slice(0, 2)}`)
    this.pos += 1 + flags[0].length
    this.flags = this.applyFlags(flags[1] as string)
  }

  private escapeAtom (): Re2Node[] {
    const c = this.peekChar()
    const assertion: Record<string, Assertion> = { A: 'beginText', z: 'endText', b: 'wordBoundary', B: 'notWordBoundary' }
    const at = assertion[c]
    if (at !== undefined) {
      this.pos++
      return [{ kind: 'assert', at }]
    }
    if (c === 'Q') {
      this.pos++
      const literals: Re2Node[] = []
      while (this.pos < this.chars.length && !this.lookingAt('\\E')) literals.push(this.literal(this.next()))
      if (this.lookingAt('\\E')) this.pos += 2
      return literals
    }
    if (c === 'C') this.fail('invalid escape \\C')
    const chars = this.classEscape()
    if (chars !== undefined) return [{ kind: 'set', chars }]
    return [this.literal(this.escapedChar())]
  }

  /** `\d`, `\D`, ..., `\pL`, `\p{Greek}`, `\P{...}` at the cursor (after the backslash). */
  private classEscape (): CharSet | undefined {
    const c = this.peekChar()
    const perl = PERL_CLASSES[c.toLowerCase()]
    if (perl !== undefined) {
      this.pos++
      return this.classSet(perl, c !== c.toLowerCase())
    }
    if (c !== 'p' && c !== 'P') return undefined
    this.pos++
    let name: string
    if (this.peekChar() === '{') {
      const end = this.chars.indexOf(0x7d, this.pos)
      if (end === -1) this.fail('invalid character class range')
      name = String.fromCodePoint(...this.chars.slice(this.pos + 1, end))
      this.pos = end + 1
    } else {
      name = this.peekChar()
      this.pos++
    }
    let negated = c === 'P'
    if (name.startsWith('^')) {
      negated = !negated
      name = name.slice(1)
    }
    const test = unicodeClass(name)
    if (test === undefined) this.fail(`invalid character class range \\p{${name}}`)
    return this.classSet(test, negated)
  }

  /** One escaped character (after the backslash), as Go's `parseEscape`. */
  private escapedChar (): number {
    const c = this.next()
    const letter = String.fromCodePoint(c)
    if (letter >= '1' && letter <= '7' && !isOctal(this.peek())) this.fail(`backreferences are not supported: \\${letter}`)
    if (letter >= '0' && letter <= '7') {
      let value = c - 0x30
      for (let i = 1; i < 3 && isOctal(this.peek()); i++) value = value * 8 + (this.next() - 0x30)
      return value
    }
    if (letter === 'x') return this.hexEscape()
    const controls: Record<string, number> = { a: 7, f: 12, n: 10, r: 13, t: 9, v: 11 }
    const control = controls[letter]
    if (control !== undefined) return control
    if (c < 0x80 && !/[0-9A-Za-z]/.test(letter)) return c
    this.fail(`invalid escape \\${letter}`)
  }

  private hexEscape (): number {
    if (this.peekChar() === '{') {
      const end = this.chars.indexOf(0x7d, this.pos)
      const digits = end === -1 ? '' : String.fromCodePoint(...this.chars.slice(this.pos + 1, end))
      if (!/^[0-9A-Fa-f]+$/.test(digits) || parseInt(digits, 16) > 0x10ffff) this.fail('invalid escape \\x{')
      this.pos = end + 1
      return parseInt(digits, 16)
    }
    const digits = this.peekChar() + this.peekChar(1)
    if (!/^[0-9A-Fa-f]{2}$/.test(digits)) this.fail('invalid escape \\x')
    this.pos += 2
    return parseInt(digits, 16)
  }

  private characterClass (): Re2Node {
    const negated = this.peekChar() === '^'
    if (negated) this.pos++
    const members: CharSet[] = []
    let first = true
    for (;;) {
      const c = this.peekChar()
      if (c === '') this.fail('missing closing ]')
      if (c === ']' && !first) break
      first = false
      const posix = /^\[:(\^?)([a-z]+):\]/.exec(this.pattern.slice(this.offsetOf(this.pos)))
      if (posix !== null) {
        const test = POSIX_CLASSES[posix[2] as string]
        if (test === undefined) this.fail(`invalid character class range [:${posix[2]}:]`)
        members.push(this.classSet(test, posix[1] === '^'))
        this.pos += posix[0].length
        continue
      }
      if (c === '\\') {
        this.pos++
        const chars = this.classEscape()
        if (chars !== undefined) {
          members.push(chars)
          continue
        }
        this.pos--
      }
      const lo = this.classChar()
      let hi = lo
      if (this.peekChar() === '-' && this.peekChar(1) !== ']' && this.peekChar(1) !== '') {
        this.pos++
        hi = this.classChar()
        if (hi < lo) this.fail('invalid character class range')
      }
      members.push(this.setOf(range(lo, hi)))
    }
    this.pos++
    const chars = new Uint8Array(ALPHABET)
    for (const member of members) member.forEach((bit, c) => { chars[c] = (chars[c] as number) | bit })
    return { kind: 'set', chars: negated ? complement(chars) : chars }
  }

  private classChar (): number {
    const c = this.next()
    return c === 0x5c ? this.escapedChar() : c
  }

  private literal (codePoint: number): Re2Node {
    return { kind: 'set', chars: this.setOf((x) => x === codePoint) }
  }

  /** Like Go, a negated class is folded first and complemented afterwards. */
  private classSet (test: CodePointTest, negated: boolean): CharSet {
    const chars = this.setOf(test)
    return negated ? complement(chars) : chars
  }

  /** The ASCII members of a test, closed under case folding when the `i` flag is on. */
  private setOf (test: CodePointTest): CharSet {
    const chars = new Uint8Array(ALPHABET)
    for (let c = 0; c < ALPHABET; c++) {
      const matches = test(c) || (this.flags.fold && caseVariants(c).some(test))
      chars[c] = matches ? 1 : 0
    }
    return chars
  }
}

/** The other code points that simple case folding makes equal to an ASCII one. */
function caseVariants (c: number): number[] {
  const variants: number[] = []
  if (UPPER(c)) variants.push(c + 0x20)
  if (LOWER(c)) variants.push(c - 0x20)
  const special = FOLDS_TO_ASCII.get(c)
  if (special !== undefined) variants.push(special)
  return variants
}

function complement (chars: CharSet): CharSet {
  return chars.map(member => 1 - member)
}

function isOctal (c: number | undefined): boolean {
  return c !== undefined && c >= 0x30 && c <= 0x37
}

/** Valid names only: the set of those is finite, unlike the invalid ones a ledger may hold. */
const unicodeClassCache = new Map<string, CodePointTest>()

/** `Any`, a general category (`L`, `Lu`, ...) or a script (`Greek`), as Go's `\p{...}` accepts. */
function unicodeClass (name: string): CodePointTest | undefined {
  let test = unicodeClassCache.get(name)
  if (test !== undefined) return test
  if (name === 'Any') {
    test = () => true
  } else if (/^\w+$/.test(name)) {
    const property = GENERAL_CATEGORIES.has(name) ? `General_Category=${name}` : `Script=${name}`
    try {
      const regex = new RegExp(`^\\p{${property}}$`, 'u')
      test = (c) => regex.test(String.fromCodePoint(c))
    } catch {
      return undefined
    }
  }
  if (test !== undefined) unicodeClassCache.set(name, test)
  return test
}
