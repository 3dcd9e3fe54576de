/**
 * The cryptography of the fast data channel (`/edgevpn-ts/vpn-fast/1.0.0`): keys agreed over an
 * authenticated libp2p stream, a MAC'd hello that binds a plain TCP socket to that agreement, and
 * AES-256-GCM records on the socket.
 *
 * Records are `[4-byte big-endian length][ciphertext][16-byte tag]`. The nonce is the record's
 * number (implicit, never sent): TCP delivers in order, so a replayed, dropped or reordered record
 * fails authentication. Record boundaries carry no meaning; the plaintexts form one byte stream.
 * The format is defined in `docs/fast-channel.md`; `test/fast-vectors.spec.ts` checks this engine
 * and the native one against its vectors.
 */
import { createCipheriv, createDecipheriv, createHmac, createSecretKey, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto'
import type { KeyObject } from 'node:crypto'

export const FAST_SECRET_BYTES = 32
export const FAST_SESSION_ID_BYTES = 16
const MAC_BYTES = 32
const TAG_BYTES = 16
const LENGTH_BYTES = 4
const NONCE_BYTES = 12
/** The hello a dialer sends first on the socket: session ID and its MAC. */
export const FAST_HELLO_BYTES = FAST_SESSION_ID_BYTES + MAC_BYTES
/** The listener's answer to a valid hello. */
export const FAST_ACK_BYTES = MAC_BYTES
/** The longest plaintext of one record; larger writes become several records. */
export const MAX_RECORD_PLAINTEXT = 256 * 1024

/** The socket broke the record format or a record failed authentication. */
export class FastRecordError extends Error {
  override name = 'FastRecordError'
}

/** The keys of one session (one socket, one direction). */
export interface FastSessionKeys {
  /** AES-256-GCM key of the records. */
  readonly data: Buffer
  /** HMAC-SHA256 key of the hello and its ack. */
  readonly hello: Buffer
}

export function randomSecret (): Buffer {
  return randomBytes(FAST_SECRET_BYTES)
}

export function randomSessionId (): Buffer {
  return randomBytes(FAST_SESSION_ID_BYTES)
}

/** Both ends derive the same keys from the secrets each contributed and the session ID. */
export function deriveSessionKeys (dialerSecret: Uint8Array, listenerSecret: Uint8Array, sessionId: Uint8Array): FastSessionKeys {
  const secret = Buffer.concat([dialerSecret, listenerSecret])
  const key = (purpose: string): Buffer => Buffer.from(hkdfSync('sha256', secret, sessionId, `edgevpn-fast ${purpose}`, 32))
  return { data: key('data'), hello: key('hello') }
}

function mac (key: Buffer, label: string, sessionId: Uint8Array): Buffer {
  return createHmac('sha256', key).update(label).update(sessionId).digest()
}

export function encodeHello (keys: FastSessionKeys, sessionId: Uint8Array): Buffer {
  return Buffer.concat([sessionId, mac(keys.hello, 'hello', sessionId)])
}

/** The session ID a hello names (still to be verified with {@link verifyHello}). */
export function helloSessionId (hello: Uint8Array): Buffer {
  return Buffer.from(hello.subarray(0, FAST_SESSION_ID_BYTES))
}

export function verifyHello (keys: FastSessionKeys, hello: Uint8Array): boolean {
  const sessionId = hello.subarray(0, FAST_SESSION_ID_BYTES)
  return timingSafeEqual(hello.subarray(FAST_SESSION_ID_BYTES, FAST_HELLO_BYTES), mac(keys.hello, 'hello', sessionId))
}

export function encodeAck (keys: FastSessionKeys, sessionId: Uint8Array): Buffer {
  return mac(keys.hello, 'ack', sessionId)
}

export function verifyAck (keys: FastSessionKeys, sessionId: Uint8Array, ack: Uint8Array): boolean {
  return ack.length === FAST_ACK_BYTES && timingSafeEqual(ack, encodeAck(keys, sessionId))
}

function nonce (counter: number): Buffer {
  const bytes = Buffer.alloc(NONCE_BYTES)
  bytes.writeUIntBE(counter, NONCE_BYTES - 6, 6)
  return bytes
}

/** Seals a byte stream into records, numbering them from 0. */
export class RecordSealer {
  /** A KeyObject: a raw key would be imported again on every record. */
  readonly #key: KeyObject
  #counter = 0

  constructor (key: Buffer) {
    this.#key = createSecretKey(key)
  }

  /** The records carrying `plaintext`, ready to be written in order. */
  seal (plaintext: Uint8Array): Buffer[] {
    const records: Buffer[] = []
    for (let start = 0; start < plaintext.length; start += MAX_RECORD_PLAINTEXT) {
      const part = plaintext.subarray(start, Math.min(plaintext.length, start + MAX_RECORD_PLAINTEXT))
      const cipher = createCipheriv('aes-256-gcm', this.#key, nonce(this.#counter++))
      const header = Buffer.allocUnsafe(LENGTH_BYTES)
      header.writeUInt32BE(part.length + TAG_BYTES)
      const body = cipher.update(part)
      cipher.final()
      records.push(header, body, cipher.getAuthTag())
    }
    return records
  }
}

/**
 * Opens the records of a socket, whatever its chunk boundaries: a record is gathered whole
 * (one copy into a reused buffer), authenticated, and only then its plaintext handed out.
 */
export class RecordOpener {
  readonly #key: KeyObject
  readonly #record = Buffer.allocUnsafe(MAX_RECORD_PLAINTEXT + TAG_BYTES)
  readonly #header = Buffer.allocUnsafe(LENGTH_BYTES)
  #headerFill = 0
  /** Length of the record being gathered (ciphertext and tag), 0 while reading its header. */
  #recordLength = 0
  #recordFill = 0
  #counter = 0

  constructor (key: Buffer) {
    this.#key = createSecretKey(key)
  }

  /** Bytes of an incomplete record. */
  get pendingBytes (): number {
    return this.#headerFill + this.#recordFill
  }

  /**
   * Feeds one chunk of the socket and calls `deliver` with the plaintext of every record it
   * completes; the plaintext is valid only during the call.
   *
   * @throws FastRecordError when a length is out of range or a record fails authentication
   */
  push (chunk: Uint8Array, deliver: (plaintext: Uint8Array) => void): void {
    let offset = 0
    while (offset < chunk.length) {
      if (this.#recordLength === 0) {
        const take = Math.min(LENGTH_BYTES - this.#headerFill, chunk.length - offset)
        this.#header.set(chunk.subarray(offset, offset + take), this.#headerFill)
        this.#headerFill += take
        offset += take
        if (this.#headerFill < LENGTH_BYTES) return
        const length = this.#header.readUInt32BE(0)
        if (length <= TAG_BYTES || length > this.#record.length) {
          throw new FastRecordError(`record length ${length} is outside 17..${this.#record.length}`)
        }
        this.#recordLength = length
        this.#headerFill = 0
      }
      const take = Math.min(this.#recordLength - this.#recordFill, chunk.length - offset)
      this.#record.set(chunk.subarray(offset, offset + take), this.#recordFill)
      this.#recordFill += take
      offset += take
      if (this.#recordFill < this.#recordLength) return
      const plaintext = this.#open(this.#record.subarray(0, this.#recordLength))
      this.#recordLength = 0
      this.#recordFill = 0
      deliver(plaintext)
    }
  }

  #open (record: Buffer): Buffer {
    const bodyLength = record.length - TAG_BYTES
    const decipher = createDecipheriv('aes-256-gcm', this.#key, nonce(this.#counter++))
    decipher.setAuthTag(record.subarray(bodyLength))
    const plaintext = decipher.update(record.subarray(0, bodyLength))
    try {
      decipher.final()
    } catch {
      throw new FastRecordError(`record ${this.#counter - 1} failed authentication`)
    }
    return plaintext
  }
}
