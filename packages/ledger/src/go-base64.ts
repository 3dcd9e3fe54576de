/**
 * Go's `base64.StdEncoding` decoding: padding required, standard alphabet only, `\r` and `\n`
 * ignored anywhere, non-zero trailing bits tolerated. Node's own decoder is more lenient (it
 * accepts missing padding, spaces and the URL-safe alphabet), which Go rejects.
 */

const STD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

/** @returns the decoded bytes, or undefined when Go would report an error */
export function decodeStdBase64 (text: string): Uint8Array | undefined {
  const compact = text.replace(/[\r\n]/g, '')
  if (!STD_BASE64.test(compact)) return undefined
  return new Uint8Array(Buffer.from(compact, 'base64'))
}

/** Padded standard base64, as Go's `json.Marshal` writes a `[]byte`. */
export function encodeStdBase64 (bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')
}
