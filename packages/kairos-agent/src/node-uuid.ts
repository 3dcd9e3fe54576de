import { randomUUID } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { RoleConfigError } from './errors.js'

const UUID_FILE = 'uuid'

/**
 * The node's UUID kept in `<stateDir>/uuid`, created on first use: stable across restarts (a
 * new UUID would make the node a stranger to the leader), distinct per state directory.
 *
 * @throws RoleConfigError when the file holds something that cannot be a UUID key
 */
export async function loadOrCreateNodeUuid (stateDir: string): Promise<string> {
  const path = join(stateDir, UUID_FILE)
  let text: string | undefined
  try {
    text = (await readFile(path, 'utf8')).trim()
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new RoleConfigError(`cannot read ${path}: ${(err as Error).message}`)
  }
  if (text !== undefined) {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(text)) throw new RoleConfigError(`${path} does not hold a usable node UUID: ${JSON.stringify(text.slice(0, 64))}`)
    return text
  }
  const uuid = randomUUID()
  await mkdir(stateDir, { recursive: true })
  await writeFile(path, uuid + '\n')
  return uuid
}
