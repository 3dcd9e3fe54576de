/** The byte layout shared by sync frames and change messages: fields, each with a 32-bit length. */

/** `fields` as one buffer: per field, its length (4 bytes, big-endian) and its bytes. */
export function packFields (fields: Iterable<Uint8Array>): Buffer {
  const parts: Uint8Array[] = []
  for (const field of fields) {
    const length = Buffer.alloc(4)
    length.writeUInt32BE(field.length)
    parts.push(length, field)
  }
  return Buffer.concat(parts)
}

/** The fields {@link packFields} made, or undefined when `body` is truncated. */
export function splitFields (body: Uint8Array): Uint8Array[] | undefined {
  const view = Buffer.from(body.buffer, body.byteOffset, body.byteLength)
  const out: Uint8Array[] = []
  let at = 0
  while (at < view.length) {
    if (at + 4 > view.length) return undefined
    const length = view.readUInt32BE(at)
    at += 4
    if (at + length > view.length) return undefined
    out.push(view.subarray(at, at + length))
    at += length
  }
  return out
}
