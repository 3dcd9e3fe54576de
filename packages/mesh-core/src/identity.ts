import { randomBytes } from 'node:crypto'
import { readFileSync, unlinkSync } from 'node:fs'
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

/** The file in an identity directory that says which process uses it. */
export const IDENTITY_LOCK_FILE = 'lock'

/** An identity this process holds (see {@link claimIdentity}). */
export interface ClaimedIdentity {
  readonly privateKey: PrivateKey
  /** The directory of the key and its lock. */
  readonly dir: string
  /** Lets another process use the identity; also done when this process exits. */
  release: () => void
}

/**
 * The identity of one node instance, kept in `dir` so that the node is itself again after a
 * restart, and held by this process until it exits: a `lock` file with its PID keeps a second
 * daemon started with the same directory off it, which then takes `dir-2` (up to `dir-16`). A
 * lock whose process is gone (a crash, `kill -9`) is taken over.
 *
 * @throws KeyCacheError when no directory is free or a key file is unusable
 */
export async function claimIdentity (dir: string, maxSlots: number = 16): Promise<ClaimedIdentity> {
  for (let slot = 1; slot <= maxSlots; slot++) {
    const slotDir = slot === 1 ? dir : `${dir}-${slot}`
    await mkdir(slotDir, { recursive: true, mode: 0o700 })
    const lock = join(slotDir, IDENTITY_LOCK_FILE)
    if (!await takeLock(lock)) continue
    heldLocks.add(lock)
    const release = (): void => {
      process.off('exit', release)
      heldLocks.delete(lock)
      if (readPid(lock) === process.pid) unlinkSync(lock)
    }
    process.once('exit', release)
    try {
      return { privateKey: await loadOrCreatePrivateKey(slotDir), dir: slotDir, release }
    } catch (err) {
      release()
      throw err
    }
  }
  throw new KeyCacheError(`every node identity in ${dir} (and -2 to -${maxSlots}) is in use by a running process`)
}

/**
 * The locks this process holds. A lock with our PID that is not among them is a previous
 * incarnation's: a container restarts its daemon with the same PID.
 */
const heldLocks = new Set<string>()

/** Creates the lock with our PID; false when a live process, or this one, holds it. */
async function takeLock (lock: string): Promise<boolean> {
  if (heldLocks.has(lock)) return false
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const file = await open(lock, 'wx', 0o600)
      await file.writeFile(`${process.pid}\n`)
      await file.close()
      return true
    } catch (err) {
      if (!(err instanceof Error && 'code' in err && err.code === 'EEXIST')) throw new KeyCacheError(`cannot lock ${lock}: ${errorMessage(err)}`)
    }
    const holder = readPid(lock)
    if (holder !== undefined && holder !== process.pid && isAlive(holder)) return false
    // left by a process that is gone: take it over
    await rm(lock, { force: true })
  }
  return false
}

function readPid (lock: string): number | undefined {
  try {
    const pid = Number(readFileSync(lock, 'utf8').trim())
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined
  } catch {
    return undefined
  }
}

function isAlive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    // EPERM: alive, another user's
    return err instanceof Error && 'code' in err && err.code === 'EPERM'
  }
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
