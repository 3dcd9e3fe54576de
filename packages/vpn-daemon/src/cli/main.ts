/**
 * Entry point of the `edgevpn` CLI: picks the command, parses its flags and environment, runs
 * it, and turns every user-facing error into one line on stderr and a non-zero exit status.
 */
import { ConfigError } from '@edgevpn/mesh-core'
import { formatCommandHelp, formatFlagHelp, parseFlags, reportError as reportCliError, runCommand, UsageError } from '@edgevpn/go-cli'
import type { Command } from '@edgevpn/go-cli'
import { rootCommand } from './root-command.js'
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

/** Errors of the user's making that are not a UsageError: a bad token or network config. */
function reportError (err: unknown): number {
  return reportCliError('edgevpn', err, err => err instanceof ConfigError)
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
    lines.push('', 'FLAGS:', formatFlagHelp(command.flags), '')
    process.stdout.write(lines.join('\n') + '\n')
  } else {
    process.stdout.write(formatCommandHelp(`edgevpn ${command.name}`, command))
  }
  return 0
}
