import { describe, expect, it } from 'vitest'
import { Re2SyntaxError, compileRe2 } from '../src/index.js'

describe('compileRe2', () => {
  it.each([
    ['.*\\.foo\\.', 'x.foo.', true],
    ['foo', 'a.foo.b.', true], // unanchored, like Go MatchString
    ['^foo$', 'foo.', false],
    ['(?i)^HOST\\.', 'host.example.', true],
    ['x(?i)Y|z', 'Z', true], // (?i) lasts to the end of the group, across |
    ['x(?i:Y)|z', 'Z', false],
    ['(?i)[^k]', 'k', false], // folded first, then negated
    ['(?i)\\x{212A}', 'k', true], // KELVIN SIGN folds to k
    ['\\Qa.b\\E', 'axb', false],
    ['\\Qa.b\\E', 'a.b', true],
    ['[[:digit:]]{2}', 'a12', true],
    ['[]a]', ']', true], // ] first in a class is a literal
    ['\\pL+\\d\\z', 'ab1', true],
    ['\\p{Greek}', 'abc', false],
    ['a{2,3}$', 'baa', true],
    ['x{,2}', 'x{,2}', true], // not a repeat: literal
    ['\\Ahost\\b', 'host.x', true],
    ['\\101', 'A', true], // octal escape
    ['(?P<name>a)(?<other>b)', 'ab', true],
    ['(?s).', '\n', true],
    ['(?m)^b$', 'a\nb', true]
  ])('%s on %j → %s', (pattern, subject, expected) => {
    expect(compileRe2(pattern).test(subject)).toBe(expected)
  })

  it.each([
    '(?=x)', '(?<=x)y', '(?!x)', '\\1', '(a)\\1', '\\k<a>', 'a**', '*a', '(?P<n>a)(?P<n>b)', '[z-a]',
    'a{1001}', '(', ')', '[a', '\\C', '\\pX', '\\y', '(?i-)a', '[[:nope:]]'
  ])('rejects %s like Go', (pattern) => {
    expect(() => compileRe2(pattern)).toThrow(Re2SyntaxError)
  })

  it('runs patterns that make backtracking engines explode in linear time', () => {
    const subject = 'a'.repeat(250) + '.'
    for (const pattern of ['(a*)*b', '(a|a)*b', '(a+)+$x', 'a*a*a*a*a*a*a*a*b']) {
      expect(compileRe2(pattern).test(subject)).toBe(false)
    }
  })

  it('refuses programs that are too large', () => {
    expect(() => compileRe2('((a{1000}){1000})')).toThrow(/too large/)
  })
})
