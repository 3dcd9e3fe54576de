/**
 * @packageDocumentation
 *
 * Command lines as Go edgevpn's (urfave/cli v2) reads them, so an env file or a unit written for
 * Go works unchanged: `--name value`, `--name=value` and single dashes, boolean flags without a
 * value, list flags split on commas, an environment variable consulted only when the flag is
 * absent, and Go's value syntax (`strconv.ParseBool`, `ParseInt` with base prefixes,
 * `time.ParseDuration`). A bad value is a {@link UsageError} naming the flag or variable;
 * {@link runCommand} and {@link reportError} turn a {@link Command} into a program that stops on
 * SIGTERM and reports every error in one line.
 *
 * @example
 *
 * ```ts
 * import { flag, parseFlags, reportError, runCommand } from '@edgevpn/go-cli'
 * import type { Command } from '@edgevpn/go-cli'
 *
 * const hello: Command = {
 *   name: 'hello',
 *   summary: 'greet until stopped',
 *   flags: [flag({ name: 'every', kind: 'duration', env: 'HELLO_EVERY', default: 1000, usage: 'pause between greetings' })],
 *   run: async ({ flags, stopped }) => {
 *     const timer = setInterval(() => { console.log('hello') }, flags.duration('every'))
 *     await stopped
 *     clearInterval(timer)
 *     return 0
 *   }
 * }
 * try {
 *   const { flags, args } = parseFlags(process.argv.slice(2), hello.flags)   // --every 1m30s, or HELLO_EVERY=2s
 *   process.exitCode = await runCommand(hello, flags, args, process.env)
 * } catch (err) {
 *   process.exitCode = reportError('hello', err)
 * }
 * ```
 */

export { flag, parseFlags, formatFlagHelp, ParsedFlags } from './flags.js'
export type { FlagKind, FlagSpec, ParseInit, ParseResult } from './flags.js'
export { parseGoBool, parseGoInt, parseGoDuration } from './values.js'
export { UsageError } from './usage-error.js'
export type { Command, CommandContext } from './command.js'
export { runCommand, reportError, formatCommandHelp } from './run.js'
