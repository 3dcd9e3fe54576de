/**
 * Command-line flags with Go edgevpn's (urfave/cli v2) conventions: `--name value`,
 * `--name=value`, a single dash works too, boolean flags take no separate value, repeatable
 * list flags, and an environment variable consulted only when the flag is absent.
 */
import { parseGoBool, parseGoDuration, parseGoInt } from './values.js'
import { UsageError } from './usage-error.js'

export type FlagKind = 'bool' | 'string' | 'int' | 'duration' | 'strings'

interface FlagValueOf {
  bool: boolean
  string: string
  int: number
  /** milliseconds */
  duration: number
  strings: string[]
}

export interface FlagSpec<K extends FlagKind = FlagKind> {
  /** Long name without dashes, e.g. `api-listen`. */
  name: string
  aliases?: string[]
  kind: K
  /** Environment variable read when the flag is not on the command line. */
  env?: string
  default: FlagValueOf[K]
  usage: string
}

/** Declares a flag with its value type checked against its kind. */
export function flag<K extends FlagKind> (spec: FlagSpec<K>): FlagSpec<K> {
  return spec
}

/** The value of every declared flag after command line, environment and defaults. */
export class ParsedFlags {
  private readonly values = new Map<string, FlagValueOf[FlagKind]>()
  private readonly explicit = new Set<string>()

  set (name: string, value: FlagValueOf[FlagKind], fromUser: boolean): void {
    this.values.set(name, value)
    if (fromUser) this.explicit.add(name)
  }

  /** Whether the user gave the flag, on the command line or through its environment variable. */
  isSet (name: string): boolean {
    return this.explicit.has(name)
  }

  bool (name: string): boolean { return this.get(name, 'boolean') as boolean }
  string (name: string): string { return this.get(name, 'string') as string }
  int (name: string): number { return this.get(name, 'number') as number }
  duration (name: string): number { return this.get(name, 'number') as number }
  strings (name: string): string[] { return this.get(name, 'object') as string[] }

  private get (name: string, type: string): FlagValueOf[FlagKind] {
    const value = this.values.get(name)
    if (value === undefined || typeof value !== type) throw new Error(`flag --${name} is not declared as ${type}`)
    return value
  }
}

export interface ParseInit {
  /** Stop at the first positional argument (the root command stops at a subcommand name). */
  stopAtPositional?: boolean
  env?: NodeJS.ProcessEnv
}

export interface ParseResult {
  flags: ParsedFlags
  /** Positional arguments, and everything after `--` or after the stop. */
  args: string[]
  help: boolean
}

export function parseFlags (argv: readonly string[], specs: readonly FlagSpec[], init: ParseInit = {}): ParseResult {
  const byName = new Map<string, FlagSpec>()
  for (const spec of specs) for (const name of [spec.name, ...spec.aliases ?? []]) byName.set(name, spec)

  const given = new Map<string, string[]>()
  const args: string[] = []
  let help = false
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '--') { args.push(...argv.slice(i + 1)); break }
    if (!arg.startsWith('-') || arg === '-') {
      if (init.stopAtPositional === true) { args.push(...argv.slice(i)); break }
      args.push(arg)
      continue
    }
    const body = arg.replace(/^--?/, '')
    const eq = body.indexOf('=')
    const name = eq === -1 ? body : body.slice(0, eq)
    if (name === 'help' || name === 'h') { help = true; continue }
    const spec = byName.get(name)
    if (spec === undefined) throw new UsageError(`flag provided but not defined: -${name}`)
    let text: string
    if (eq !== -1) text = body.slice(eq + 1)
    else if (spec.kind === 'bool') text = 'true'
    else if (i + 1 < argv.length) text = argv[++i]
    else throw new UsageError(`flag needs an argument: -${name}`)
    given.set(spec.name, [...given.get(spec.name) ?? [], text])
  }

  const env = init.env ?? process.env
  const flags = new ParsedFlags()
  for (const spec of specs) {
    const texts = given.get(spec.name)
    if (texts !== undefined) {
      flags.set(spec.name, convert(spec, texts, `--${spec.name}`), true)
    } else if (spec.env !== undefined && env[spec.env] !== undefined) {
      const text = env[spec.env] ?? ''
      // urfave: an empty boolean variable means false.
      flags.set(spec.name, convert(spec, [text === '' && spec.kind === 'bool' ? 'false' : text], spec.env), true)
    } else {
      flags.set(spec.name, spec.default, false)
    }
  }
  return { flags, args, help }
}

function convert (spec: FlagSpec, texts: string[], what: string): FlagValueOf[FlagKind] {
  const last = texts[texts.length - 1]
  switch (spec.kind) {
    case 'bool': return parseGoBool(last, what)
    case 'string': return last
    case 'int': return parseGoInt(last, what)
    case 'duration': return parseGoDuration(last, what)
    // urfave splits list values on commas, on the command line as in the environment.
    case 'strings': return texts.flatMap(text => text.split(',')).map(s => s.trim()).filter(s => s !== '')
  }
}

/** The `--help` text of a command's flags: one line each with its default and variable. */
export function formatFlagHelp (specs: readonly FlagSpec[]): string {
  return specs.map(spec => {
    const names = [spec.name, ...spec.aliases ?? []].map(n => (n.length === 1 ? '-' : '--') + n).join(', ')
    const value = spec.kind === 'bool' ? '' : ' value'
    const shown = Array.isArray(spec.default) ? spec.default.join(',') : String(spec.default)
    const def = shown === '' || shown === 'false' ? '' : ` (default: ${spec.kind === 'duration' ? formatDuration(spec.default as number) : shown})`
    const env = spec.env === undefined ? '' : ` [$${spec.env}]`
    return `   ${names}${value}\t${spec.usage}${def}${env}`
  }).join('\n')
}

function formatDuration (ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h0m0s`
  if (ms % 60_000 === 0) return `${ms / 60_000}m0s`
  return `${ms / 1000}s`
}
