import { randomBytes } from 'node:crypto'
import { mkdir, open, readFile, rename, rm, chmod } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'

/** Name of the key file inside the key cache directory (Go edgevpn `--privkey-cache`). */
export const PRIVATE_KEY_FILE = 'privkey'

/** The key cache file exists but does not hold a usable libp2p private key. */
export class KeyCacheError extends Error {
  override name = 'KeyCacheError'
}

/**
 * Go edgevpn's default key cache directory: `$HOME/.edgevpn`, or `<cwd>/.edgevpn` without a home.
 */
export function defaultKeyCacheDir (): string {
  let home = ''
  try {
    home = homedir()
  } catch {
    // no passwd entry and no HOME: fall back like Go does
  }
  return join(home === '' ? process.cwd() : home, '.edgevpn')
}

/**
 * Loads the node identity from `<dir>/privkey`, or creates an Ed25519 key there when the file is
 * missing or empty. The file holds the libp2p protobuf encoding of the key (for Ed25519:
 * `08 01 12 40 || seed || public key`), byte-compatible with Go edgevpn.
 *
 * The directory is created with mode 0700 and the file written with mode 0600; a new key is
 * written to a temporary file, flushed and renamed so a crash never leaves a truncated key.
 *
 * @throws KeyCacheError when the file cannot be read or does not decode as a private key
 */
export async function loadOrCreatePrivateKey (dir: string): Promise<PrivateKey> {
  const path = join(dir, PRIVATE_KEY_FILE)
  await mkdir(dir, { recursive: true, mode: 0o700 })

  let bytes: Uint8Array
  try {
    bytes = await readFile(path)
  } catch (err) {
    if (!isNotFound(err)) throw new KeyCacheError(`cannot read private key file ${path}: ${errorMessage(err)}`)
    bytes = new Uint8Array(0)
  }

  if (bytes.byteLength > 0) {
    try {
      return privateKeyFromProtobuf(bytes)
    } catch (err) {
      throw new KeyCacheError(`private key file ${path} is corrupt: ${errorMessage(err)}`)
    }
  }

  const key = await generateKeyPair('Ed25519')
  await writeFileAtomically(path, privateKeyToProtobuf(key))
  return key
}

async function writeFileAtomically (path: string, data: Uint8Array): Promise<void> {
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`
  try {
    const file = await open(temporary, 'wx', 0o600)
    try {
      await file.writeFile(data)
      await file.sync()
    } finally {
      await file.close()
    }
    // the umask may have narrowed the mode further, never widened it; make it exact
    await chmod(temporary, 0o600)
    await rename(temporary, path)
  } catch (err) {
    await rm(temporary, { force: true })
    throw new KeyCacheError(`cannot write private key file ${path}: ${errorMessage(err)}`)
  }
}

function isNotFound (err: unknown): boolean {
  return err instanceof Error && 'code' in err && err.code === 'ENOENT'
}

function errorMessage (err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
