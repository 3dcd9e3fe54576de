/**
 * Go edgevpn's message sealing (`pkg/crypto/aes.go`): AES-256-GCM with a random 12-byte nonce and
 * no additional data, written as lowercase hex of `nonce ‖ ciphertext ‖ tag`.
 */

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'

const NONCE_BYTES = 12
const TAG_BYTES = 16
const KEY_BYTES = 32

/**
 * `nonce ‖ ciphertext ‖ tag` of `plaintext` under a 32-byte key (the binary form of {@link seal}).
 *
 * @param nonce - 12 bytes; never reuse one with the same key (tests pass a fixed one)
 */
export function sealBytes (plaintext: Uint8Array, key: Uint8Array, nonce: Uint8Array = randomBytes(NONCE_BYTES)): Uint8Array {
  assertKey(key)
  if (nonce.length !== NONCE_BYTES) throw new RangeError(`an AES-GCM nonce has ${NONCE_BYTES} bytes, got ${nonce.length}`)
  const cipher = createCipheriv('aes-256-gcm', key, nonce)
  const body = cipher.update(plaintext)
  const final = cipher.final()
  return Buffer.concat([nonce, body, final, cipher.getAuthTag()])
}

/** The plaintext of a {@link sealBytes} result, or undefined when it is too short or does not authenticate. */
export function openBytes (sealed: Uint8Array, key: Uint8Array): Uint8Array | undefined {
  assertKey(key)
  if (sealed.length < NONCE_BYTES + TAG_BYTES) return undefined
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, NONCE_BYTES))
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES))
    return Buffer.concat([decipher.update(sealed.subarray(NONCE_BYTES, sealed.length - TAG_BYTES)), decipher.final()])
  } catch {
    return undefined
  }
}

/** Go `AESEncrypt`: the sealed hex text of `plaintext` (62 hex characters for 3 bytes). */
export function seal (plaintext: Uint8Array, key: Uint8Array, nonce?: Uint8Array): string {
  return Buffer.from(sealBytes(plaintext, key, nonce)).toString('hex')
}

/**
 * Go `AESDecrypt`: hex-decode leniently (see {@link decodeHexPrefix}), then open. Returns
 * undefined instead of throwing when the text does not open under `key`.
 */
export function unseal (sealed: string, key: Uint8Array): Uint8Array | undefined {
  return openBytes(decodeHexPrefix(sealed), key)
}

/**
 * Go's `hex.DecodeString` result with the error ignored, as `AESDecrypt` uses it: the bytes of the
 * leading run of valid hex pairs (either case). Decoding stops at the first non-hex character and
 * drops an odd trailing nibble.
 */
export function decodeHexPrefix (text: string): Uint8Array {
  const out = new Uint8Array(text.length >>> 1)
  let length = 0
  for (let i = 0; i + 1 < text.length; i += 2) {
    const high = nibble(text.charCodeAt(i))
    const low = nibble(text.charCodeAt(i + 1))
    if (high < 0 || low < 0) break
    out[length++] = (high << 4) | low
  }
  return out.subarray(0, length)
}

function nibble (code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30
  if (code >= 0x61 && code <= 0x66) return code - 0x57
  if (code >= 0x41 && code <= 0x46) return code - 0x37
  return -1
}

function assertKey (key: Uint8Array): void {
  if (key.length !== KEY_BYTES) throw new RangeError(`an AES-256 seal key has ${KEY_BYTES} bytes, got ${key.length}`)
}
