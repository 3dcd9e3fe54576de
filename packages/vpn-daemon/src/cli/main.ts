/**
 * Entry point of the `edgevpn` CLI: picks the command, parses its flags and environment, runs
 * it, and turns every user-facing error into one line on stderr and a non-zero exit status.
 */
import { ConfigError } from '@edgevpn/mesh-core'
import { formatFlagHelp, parseFlags } from './flags.js'
import { UsageError } from './usage-error.js'
import { rootCommand } from './root-command.js'
import type { Command } from './command.js'
import { VERSION } from '../version.js'

export async function main (argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  try {
    if (argv.includes('--version') || argv.includes('-v')) {
      process.stdout.write(`edgevpn version ${VERSION}\n`)
      return 0
    }
    const root = parseFlags(argv, rootCommand.flags, { stopAtPositional: true, env })
    const [name, ...rest] = root.args
    if (name === undefined) {
      if (root.help) return await printHelp(rootCommand)
      return await runCommand(rootCommand, root.flags, [], env)
    }
    if (name === 'help') return await printHelp(rootCommand)
    const command = (await loadCommands()).find(c => c.name === name || c.aliases?.includes(name))
    if (command === undefined) throw new UsageError(`unknown command ${JSON.stringify(name)} (see edgevpn --help)`)
    const parsed = parseFlags(rest, command.flags, { env })
    if (parsed.help || root.help) return await printHelp(command)
    return await runCommand(command, parsed.flags, parsed.args, env)
  } catch (err) {
    return reportError(err)
  }
}

async function runCommand (command: Command, flags: ReturnType<typeof parseFlags>['flags'], args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const stopped = new Promise<void>(resolve => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => { resolve() })
  })
  return await command.run({ flags, args, env, stopped, stdout: text => { process.stdout.write(text) } })
}

/** User errors get one line; anything unexpected also gets one line, plus the stack with DEBUG. */
function reportError (err: unknown): number {
  if (err instanceof UsageError || err instanceof ConfigError) {
    process.stderr.write(`edgevpn: ${err.message}\n`)
    return 1
  }
  const message = err instanceof Error ? err.message : String(err)
  process.stderr.write(`edgevpn: ${message}\n`)
  if (process.env.DEBUG !== undefined && err instanceof Error) process.stderr.write(`${err.stack ?? ''}\n`)
  return 1
}

/** The subcommands, loaded only when needed: a daemon (the root command) runs without them. */
async function loadCommands (): Promise<Command[]> {
  return (await import('./commands.js')).commands
}

async function printHelp (command: Command): Promise<number> {
  const lines: string[] = []
  if (command === rootCommand) {
    lines.push('edgevpn - peer-to-peer mesh VPN', '', 'USAGE:', '   edgevpn [flags] [command [command flags] [arguments]]', '', 'COMMANDS:')
    for (const c of await loadCommands()) lines.push(`   ${[c.name, ...c.aliases ?? []].join(', ')}\t${c.summary}`)
  } else {
    lines.push(`edgevpn ${command.name} - ${command.summary}`, '', 'USAGE:', `   edgevpn ${command.name} [flags]${command.argsUsage === undefined ? '' : ' ' + command.argsUsage}`)
  }
  lines.push('', 'FLAGS:', formatFlagHelp(command.flags), '')
  process.stdout.write(lines.join('\n') + '\n')
  return 0
}
