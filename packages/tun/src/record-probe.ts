/**
 * The addon's fast-channel record cipher (`native/src/record_cipher.h`), the one its send and
 * receive threads seal and open with, as a JS handle. The threads reach it only through sockets;
 * this exists so that a spec can check it byte for byte against the test vectors of
 * `docs/fast-channel.md`, as the TypeScript engine is.
 *
 * @example
 *
 * ```ts
 * import { createRecordProbe } from '@edgevpn/tun/record-probe'
 *
 * const probe = createRecordProbe(new Uint8Array(32))
 * const record = probe.seal(Buffer.from('hello'))   // record 0: [length][ciphertext][tag]
 * console.log(createRecordProbe(new Uint8Array(32)).open(record)?.toString())   // 'hello'
 * ```
 */
import { loadBinding } from './native-binding.js'

export interface RecordProbe {
  /** The next record carrying `plaintext` (1 to 262,144 bytes): `[length][ciphertext][tag]`. */
  seal(plaintext: Uint8Array): Buffer
  /** The plaintext of the next whole record, or `null` when it fails authentication. */
  open(record: Uint8Array): Buffer | null
}

/**
 * A sealer and an opener with the data key `key`, each numbering its records from 0.
 *
 * @throws TunError `ENOADDON` when the addon is not built
 * @throws RangeError when `key` is not 32 bytes
 */
export function createRecordProbe (key: Uint8Array): RecordProbe {
  return new (loadBinding().RecordProbe)(key)
}
