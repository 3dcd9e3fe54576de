/**
 * Running a {@link Command} as a program does: it stops on SIGINT or SIGTERM, and every error
 * becomes one line on stderr and exit status 1.
 */
import { formatFlagHelp } from './flags.js'
import { UsageError } from './usage-error.js'
import type { Command } from './command.js'
import type { ParsedFlags } from './flags.js'

/** Runs `command` with parsed flags until it returns; `stopped` resolves on SIGINT or SIGTERM. */
export async function runCommand (command: Command, flags: ParsedFlags, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const stopped = new Promise<void>(resolve => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => { resolve() })
  })
  return await command.run({ flags, args, env, stopped, stdout: text => { process.stdout.write(text) } })
}

/**
 * Writes `err` as one line `program: message` and returns the exit status 1. An error the user
 * can fix ({@link UsageError}, or one `isUserError` accepts) never shows a stack; anything else
 * shows it only when `DEBUG` is set.
 */
export function reportError (program: string, err: unknown, isUserError: (err: unknown) => boolean = () => false): number {
  const message = err instanceof Error ? err.message : String(err)
  process.stderr.write(`${program}: ${message}\n`)
  const expected = err instanceof UsageError || isUserError(err)
  if (!expected && process.env.DEBUG !== undefined && err instanceof Error) process.stderr.write(`${err.stack ?? ''}\n`)
  return 1
}

/** The help text of one command: its summary, usage line and flags. */
export function formatCommandHelp (usage: string, command: Command): string {
  return [
    `${usage} - ${command.summary}`, '', 'USAGE:', `   ${usage} [flags]${command.argsUsage === undefined ? '' : ' ' + command.argsUsage}`,
    '', 'FLAGS:', formatFlagHelp(command.flags), ''
  ].join('\n') + '\n'
}
