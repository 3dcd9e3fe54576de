/**
 * Go RE2 regular expressions, matched in linear time.
 *
 * Ledger `dns` keys are regular expressions written by any member of the mesh. JavaScript's
 * backtracking `RegExp` both differs from RE2 (flags groups, `\z`, `\Q..\E`, POSIX classes,
 * lookarounds and backreferences that RE2 rejects) and can take exponential time on patterns
 * such as `(a*)*b`, which would stall the server on a single query. So the pattern is parsed with
 * Go's rules and run on a Thompson NFA (Pike VM without captures): time is O(name × pattern).
 */

import { Re2SyntaxError } from './errors.js'
import { parseRe2 } from './re2-parse.js'
import type { Assertion, CharSet, Re2Node } from './re2-parse.js'

/** Programs above this size are refused (Go's limit is far larger, but no DNS regex needs it). */
const MAX_INSTRUCTIONS = 20_000

const MATCH = 0
const CHAR = 1
const SPLIT = 2
const JUMP = 3
const ASSERT = 4

const ASSERTIONS: readonly Assertion[] = ['beginText', 'endText', 'beginLine', 'endLine', 'wordBoundary', 'notWordBoundary']

/** A compiled RE2 pattern. */
export interface Re2Pattern {
  readonly source: string
  /** Whether the pattern matches anywhere in `subject` (Go `MatchString`, unanchored). */
  test: (subject: string) => boolean
}

/**
 * Compile a Go RE2 pattern.
 *
 * @throws Re2SyntaxError when Go's `regexp.Compile` would fail, or the program is too large
 */
export function compileRe2 (source: string): Re2Pattern {
  const program = new Compiler(source)
  program.emit(parseRe2(source))
  program.push(MATCH, 0, 0)
  return new Matcher(source, program)
}

class Compiler {
  readonly source: string
  readonly ops: number[] = []
  readonly x: number[] = []
  readonly y: number[] = []
  readonly sets: CharSet[] = []

  constructor (source: string) {
    this.source = source
  }

  push (op: number, x: number, y: number): number {
    if (this.ops.length >= MAX_INSTRUCTIONS) throw new Re2SyntaxError(this.source, 'expression too large')
    this.ops.push(op)
    this.x.push(x)
    this.y.push(y)
    return this.ops.length - 1
  }

  /** Every instruction but JUMP and SPLIT continues with the next one. */
  emit (node: Re2Node): void {
    switch (node.kind) {
      case 'set':
        this.sets.push(node.chars)
        this.push(CHAR, this.sets.length - 1, 0)
        return
      case 'assert':
        this.push(ASSERT, ASSERTIONS.indexOf(node.at), 0)
        return
      case 'concat':
        for (const item of node.items) this.emit(item)
        return
      case 'alternate': {
        const jumps: number[] = []
        node.items.forEach((item, index) => {
          const last = index === node.items.length - 1
          const split = last ? -1 : this.push(SPLIT, 0, 0)
          if (split !== -1) this.x[split] = split + 1
          this.emit(item)
          if (!last) {
            jumps.push(this.push(JUMP, 0, 0))
            this.y[split] = this.ops.length
          }
        })
        for (const jump of jumps) this.x[jump] = this.ops.length
        return
      }
      case 'repeat':
        for (let i = 0; i < node.min; i++) this.emit(node.item)
        if (node.max === -1) {
          const split = this.push(SPLIT, 0, 0)
          this.x[split] = split + 1
          this.emit(node.item)
          this.push(JUMP, split, 0)
          this.y[split] = this.ops.length
          return
        }
        {
          const splits: number[] = []
          for (let i = node.min; i < node.max; i++) {
            const split = this.push(SPLIT, 0, 0)
            this.x[split] = split + 1
            splits.push(split)
            this.emit(node.item)
          }
          for (const split of splits) this.y[split] = this.ops.length
        }
    }
  }
}

class Matcher implements Re2Pattern {
  readonly source: string
  private readonly ops: Uint8Array
  private readonly x: Int32Array
  private readonly y: Int32Array
  private readonly sets: CharSet[]
  // scratch space, reused: test() is synchronous
  private readonly seen: Uint32Array
  private readonly stack: Int32Array
  private current: Int32Array
  private following: Int32Array
  private generation = 0

  constructor (source: string, program: Compiler) {
    this.source = source
    this.ops = Uint8Array.from(program.ops)
    this.x = Int32Array.from(program.x)
    this.y = Int32Array.from(program.y)
    this.sets = program.sets
    const size = this.ops.length
    this.seen = new Uint32Array(size)
    this.stack = new Int32Array(size * 2 + 1)
    this.current = new Int32Array(size)
    this.following = new Int32Array(size)
  }

  test (subject: string): boolean {
    if (this.generation > 0xfffffff0) {
      this.seen.fill(0)
      this.generation = 0
    }
    let count = 0
    this.generation++
    for (let pos = 0; ; pos++) {
      // unanchored: a new thread starts at every position
      const added = this.addThread(this.current, count, 0, subject, pos)
      if (added < 0) return true
      count = added
      if (pos === subject.length || count === 0) {
        if (pos === subject.length) return false
        this.generation++
        continue
      }
      const c = subject.charCodeAt(pos)
      this.generation++
      let nextCount = 0
      for (let i = 0; i < count; i++) {
        const pc = this.current[i] as number
        const set = this.sets[this.x[pc] as number] as CharSet
        if (c < set.length && set[c] === 1) {
          nextCount = this.addThread(this.following, nextCount, pc + 1, subject, pos + 1)
          if (nextCount < 0) return true
        }
      }
      const swap = this.current
      this.current = this.following
      this.following = swap
      count = nextCount
    }
  }

  /**
   * Follow the empty transitions from `start` at `pos`, appending reachable CHAR instructions
   * to `list`. Returns the new list length, or -1 when MATCH is reachable.
   */
  private addThread (list: Int32Array, length: number, start: number, subject: string, pos: number): number {
    let top = 0
    this.stack[top++] = start
    while (top > 0) {
      const pc = this.stack[--top] as number
      if (this.seen[pc] === this.generation) continue
      this.seen[pc] = this.generation
      switch (this.ops[pc]) {
        case MATCH: return -1
        case CHAR: list[length++] = pc; break
        case JUMP: this.stack[top++] = this.x[pc] as number; break
        case SPLIT:
          this.stack[top++] = this.y[pc] as number
          this.stack[top++] = this.x[pc] as number
          break
        case ASSERT:
          if (holds(ASSERTIONS[this.x[pc] as number] as Assertion, subject, pos)) this.stack[top++] = pc + 1
          break
      }
    }
    return length
  }
}

function holds (at: Assertion, subject: string, pos: number): boolean {
  switch (at) {
    case 'beginText': return pos === 0
    case 'endText': return pos === subject.length
    case 'beginLine': return pos === 0 || subject.charCodeAt(pos - 1) === 0x0a
    case 'endLine': return pos === subject.length || subject.charCodeAt(pos) === 0x0a
    case 'wordBoundary': return isWordAt(subject, pos - 1) !== isWordAt(subject, pos)
    case 'notWordBoundary': return isWordAt(subject, pos - 1) === isWordAt(subject, pos)
  }
}

function isWordAt (subject: string, pos: number): boolean {
  if (pos < 0 || pos >= subject.length) return false
  const c = subject.charCodeAt(pos)
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f
}
