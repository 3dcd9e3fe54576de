/**
 * The HTTP API's bearer token: the rule a token must meet, and the command-line flags that give
 * it, shared by the commands that serve the API and those that call it.
 */
import { readFile } from 'node:fs/promises'
import { flag, UsageError } from '@edgevpn/go-cli'
import type { FlagSpec, ParsedFlags } from '@edgevpn/go-cli'

/** The HTTP API's bearer token (not in Go edgevpn): required by the commands that serve the API, sent by those that call it. */
export const apiTokenFlags: FlagSpec[] = [
  flag({ name: 'api-token', kind: 'string', env: 'EDGEVPNAPITOKEN', default: '', usage: 'bearer token every API request but /healthz must carry (visible in ps: prefer the variable or --api-token-file)' }),
  flag({ name: 'api-token-file', kind: 'string', env: 'EDGEVPNAPITOKENFILE', default: '', usage: 'file holding the API bearer token' })
]

/**
 * The API bearer token of `--api-token` or `--api-token-file` (`apiTokenFlags`), for the
 * commands that serve the API and those that call it; undefined when neither flag is given.
 *
 * @throws UsageError when both flags are set, the file cannot be read, or the token is empty or
 * not printable ASCII (a token given empty would otherwise leave the API open)
 */
export async function apiTokenFromFlags (flags: ParsedFlags): Promise<string | undefined> {
  const file = flags.string('api-token-file')
  let token = flags.string('api-token')
  let source = '--api-token'
  if (file !== '') {
    if (token !== '') throw new UsageError('give the API token with --api-token or --api-token-file, not both')
    source = `--api-token-file ${file}`
    try {
      token = (await readFile(file, 'utf8')).trim()
    } catch (err) {
      throw new UsageError(`${source}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`)
    }
  } else if (!flags.isSet('api-token')) {
    return undefined
  }
  try {
    checkApiToken(token)
  } catch (err) {
    throw new UsageError(`${source}: ${(err as Error).message}`)
  }
  return token
}

export class ApiTokenError extends Error {
  override name = 'ApiTokenError'
}

/**
 * Checks that `token` can be a bearer token: not empty, printable ASCII without spaces.
 *
 * @throws ApiTokenError naming what is wrong, never the token itself
 */
export function checkApiToken (token: string): void {
  if (token === '') throw new ApiTokenError('the API token is empty')
  if (!/^[\x21-\x7e]+$/.test(token)) throw new ApiTokenError('the API token must be printable ASCII without spaces')
}
