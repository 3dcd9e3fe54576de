import { Base64SyntaxError, decodeStdBase64 } from '@edgevpn/mesh-core'

/** Go's `base64.URLEncoding.EncodeToString`: the URL alphabet, with `=` padding. */
export function encodePaddedBase64Url (bytes: Uint8Array): string {
  const unpadded = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url')
  return unpadded + '='.repeat((4 - unpadded.length % 4) % 4)
}

/**
 * Go's `base64.URLEncoding.DecodeString`: the URL alphabet with required padding; the standard
 * alphabet's `+` and `/` are errors.
 *
 * @throws Base64SyntaxError naming the offending position
 */
export function decodePaddedBase64Url (text: string): Uint8Array {
  const standardOnly = /[+/]/.exec(text)
  if (standardOnly !== null) throw new Base64SyntaxError(`unexpected character '${standardOnly[0]}' at position ${standardOnly.index}`)
  return decodeStdBase64(text.replaceAll('-', '+').replaceAll('_', '/'))
}
