/**
 * The plaintext of a ledger gossip message: the last block's JSON, gzipped (Go's `Syncronizer`
 * and commit broadcast). Any valid gzip interoperates; Go's exact bytes are not a target.
 */

import { promisify } from 'node:util'
import { gunzip, gzip } from 'node:zlib'
import { encodeBlock } from './block.js'
import type { Block } from './block.js'

const gzipAsync = promisify(gzip)
const gunzipAsync = promisify(gunzip)

/** A payload that is not gzip or inflates past the allowed size. */
export class PayloadDecodeError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'PayloadDecodeError'
  }
}

/** `gzip(JSON(block))`. */
export async function encodeBlockPayload (block: Block): Promise<Uint8Array> {
  return gzipAsync(Buffer.from(encodeBlock(block), 'utf8'))
}

/**
 * Gunzip a payload, refusing to inflate past `maxOutputBytes` so a gzip bomb costs at most that
 * much memory.
 *
 * @throws PayloadDecodeError when the data is not gzip or inflates too far
 */
export async function gunzipBounded (payload: Uint8Array, maxOutputBytes: number): Promise<Uint8Array> {
  try {
    return await gunzipAsync(payload, { maxOutputLength: maxOutputBytes })
  } catch (err) {
    const code = (err as { code?: string }).code
    if (code === 'ERR_BUFFER_TOO_LARGE') throw new PayloadDecodeError(`payload inflates past ${maxOutputBytes} bytes`)
    throw new PayloadDecodeError(`payload is not gzip: ${(err as Error).message}`)
  }
}
