import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPairFromSeed, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { claimIdentity, IDENTITY_LOCK_FILE, KeyCacheError, loadOrCreatePrivateKey, PRIVATE_KEY_FILE } from '@edgevpn/mesh-core'
import type { ClaimedIdentity } from '@edgevpn/mesh-core'

// spec Appendix A.4
const SEED = Uint8Array.from({ length: 32 }, (_, i) => i + 1)
const PEER_ID = '12D3KooWJ1TsijH7H5F74hfAD5XishQz3sxrmAtVY37GtNd9CqYf'
const FILE_HEX = '080112400102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20' +
  '79b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad049664'

describe('loadOrCreatePrivateKey', () => {
  let root: string
  let dir: string

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'evt-identity-'))
    dir = join(root, 'cache')
  })

  afterEach(async () => {
    await rm(root, { recursive: true, force: true })
  })

  it('encodes the Appendix A.4 key exactly like Go edgevpn', async () => {
    const key = await generateKeyPairFromSeed('Ed25519', SEED)
    expect(Buffer.from(privateKeyToProtobuf(key)).toString('hex')).toBe(FILE_HEX)
    expect(peerIdFromPrivateKey(key).toString()).toBe(PEER_ID)
  })

  it('loads a Go-written key file', async () => {
    await loadOrCreatePrivateKey(dir) // creates the directory
    await writeFile(join(dir, PRIVATE_KEY_FILE), Buffer.from(FILE_HEX, 'hex'))
    const key = await loadOrCreatePrivateKey(dir)
    expect(peerIdFromPrivateKey(key).toString()).toBe(PEER_ID)
  })

  it('creates an Ed25519 key with private permissions and returns the same key afterwards', async () => {
    const created = await loadOrCreatePrivateKey(dir)
    expect(created.type).toBe('Ed25519')
    const bytes = await readFile(join(dir, PRIVATE_KEY_FILE))
    expect(bytes.byteLength).toBe(68)
    expect(bytes.subarray(0, 4).toString('hex')).toBe('08011240')
    expect((await stat(dir)).mode & 0o777).toBe(0o700)
    expect((await stat(join(dir, PRIVATE_KEY_FILE))).mode & 0o777).toBe(0o600)

    const loaded = await loadOrCreatePrivateKey(dir)
    expect(peerIdFromPrivateKey(loaded).equals(peerIdFromPrivateKey(created))).toBe(true)
  })

  it('replaces an empty file with a new key', async () => {
    await loadOrCreatePrivateKey(dir)
    await writeFile(join(dir, PRIVATE_KEY_FILE), '')
    const key = await loadOrCreatePrivateKey(dir)
    expect(Buffer.from(await readFile(join(dir, PRIVATE_KEY_FILE)))).toEqual(Buffer.from(privateKeyToProtobuf(key)))
  })

  it('refuses a corrupt file with an error naming its path and leaves it alone', async () => {
    await loadOrCreatePrivateKey(dir)
    const path = join(dir, PRIVATE_KEY_FILE)
    await writeFile(path, 'not a key')
    const error = await loadOrCreatePrivateKey(dir).catch((err: unknown) => err)
    expect(error).toBeInstanceOf(KeyCacheError)
    expect((error as Error).message).toContain(path)
    expect(await readFile(path, 'utf8')).toBe('not a key')
  })
})

describe('claimIdentity', () => {
  let root: string

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'evt-claim-'))
  })

  afterEach(async () => {
    await rm(root, { recursive: true, force: true })
  })

  const peerOf = (claimed: ClaimedIdentity): string => peerIdFromPrivateKey(claimed.privateKey).toString()

  it('gives the same identity again after a release, and a second one while the first is held', async () => {
    const dir = join(root, 'nodes', 'net', 'vpn-edgevpn0')
    const first = await claimIdentity(dir)
    expect(first.dir).toBe(dir)
    expect(await readFile(join(dir, IDENTITY_LOCK_FILE), 'utf8')).toBe(`${process.pid}\n`)
    const second = await claimIdentity(dir)
    expect(second.dir).toBe(`${dir}-2`)
    expect(peerOf(second)).not.toBe(peerOf(first))

    const id = peerOf(first)
    first.release()
    second.release()
    const again = await claimIdentity(dir)
    expect(again.dir).toBe(dir)
    expect(peerOf(again)).toBe(id)
    again.release()
  })

  it('takes over the lock of a process that is gone (kill -9), and stays off one that runs', async () => {
    const dir = join(root, 'instance')
    const first = await claimIdentity(dir)
    const id = peerOf(first)
    first.release()
    // a crashed daemon's lock: a PID that no process has
    await writeFile(join(dir, IDENTITY_LOCK_FILE), '2147483646\n')
    const restarted = await claimIdentity(dir)
    expect(peerOf(restarted)).toBe(id)
    restarted.release()
    // a live one's: PID 1
    await writeFile(join(dir, IDENTITY_LOCK_FILE), '1\n')
    const other = await claimIdentity(dir)
    expect(other.dir).toBe(`${dir}-2`)
    other.release()
  })

  it('says so when every slot is held', async () => {
    const dir = join(root, 'full')
    const held = [await claimIdentity(dir, 2), await claimIdentity(dir, 2)]
    await expect(claimIdentity(dir, 2)).rejects.toThrow(/every node identity in .*full \(and -2 to -2\) is in use/)
    for (const claimed of held) claimed.release()
  })
})
