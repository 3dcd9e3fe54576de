#!/usr/bin/env node
/** `edgevpn-role-agent`: the role agent as its own program (the same as `edgevpn role-agent`). */
import { formatCommandHelp, parseFlags, reportError, runCommand } from '@edgevpn/go-cli'
import { roleAgentCommand } from './role-agent-command.js'

const PROGRAM = 'edgevpn-role-agent'

async function main (argv: string[]): Promise<number> {
  try {
    const { flags, args, help } = parseFlags(argv, roleAgentCommand.flags)
    if (!help) return await runCommand(roleAgentCommand, flags, args, process.env)
    process.stdout.write(formatCommandHelp(PROGRAM, roleAgentCommand))
    return 0
  } catch (err) {
    return reportError(PROGRAM, err)
  }
}

// exit even while the API client's idle sockets linger
process.exit(await main(process.argv.slice(2)))
