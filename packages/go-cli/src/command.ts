import type { FlagSpec, ParsedFlags } from './flags.js'

export interface CommandContext {
  flags: ParsedFlags
  /** Positional arguments. */
  args: string[]
  env: NodeJS.ProcessEnv
  /** Resolves when the process is asked to stop (SIGINT/SIGTERM). */
  stopped: Promise<void>
  stdout: (text: string) => void
}

export interface Command {
  name: string
  aliases?: string[]
  /** One line for `edgevpn --help`. */
  summary: string
  /** Positional arguments, shown in the command's help, e.g. `NAME ADDRESS`. */
  argsUsage?: string
  flags: FlagSpec[]
  /** Returns the exit status. */
  run: (context: CommandContext) => Promise<number>
}
