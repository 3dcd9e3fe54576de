/** The name-and-target arguments shared by `service-add`, `service-connect`, `file-send` and `file-receive`. */
import { flag, UsageError } from '@edgevpn/go-cli'
import type { CommandContext, FlagSpec } from '@edgevpn/go-cli'

/** Go's text for a missing name or target, the same for every command (even when the target is what is missing). */
export const MISSING_NAME = 'Either a file UUID as first argument or with --name needs to be provided'

export const nameFlag: FlagSpec = flag({ name: 'name', kind: 'string', default: '', usage: 'the service or file name in the ledger' })

/**
 * Go's `service-*` and `file-receive` arguments: `NAME TARGET` positionally, or `--name` and
 * `--<target>`; a flag wins over its positional argument.
 *
 * @throws UsageError with Go's message when either is missing
 */
export function nameAndTarget ({ flags, args }: CommandContext, target: 'address' | 'path'): { name: string, target: string } {
  const name = flags.string('name') !== '' ? flags.string('name') : args[0] ?? ''
  const value = flags.string(target) !== '' ? flags.string(target) : args[1] ?? ''
  if (name === '' || value === '') throw new UsageError(MISSING_NAME)
  return { name, target: value }
}

/**
 * urfave/cli's check of required flags (`file-send`): `Required flag "name" not set`, or
 * `Required flags "name, path" not set` for several.
 *
 * @throws UsageError naming the missing flags
 */
export function requireFlags ({ flags }: CommandContext, names: string[]): void {
  const missing = names.filter(name => !flags.isSet(name))
  if (missing.length === 1) throw new UsageError(`Required flag "${missing[0]}" not set`)
  if (missing.length > 1) throw new UsageError(`Required flags "${missing.join(', ')}" not set`)
}
