/**
 * The JSON envelope of every gossip message (Go `hub.Message`):
 * `{"Message":"<sealed hex>","SenderID":"","Annotations":null}`.
 */

import { structFields, decodeUtf8, encodeGoJson, goStruct, JsonObject, parseJsonTree, toJsonValue } from '@edgevpn/go-compat'
import type { JsonNode, JsonValue } from '@edgevpn/go-compat'

/** A received envelope is oversized, not JSON, or has fields of the wrong type. */
export class EnvelopeDecodeError extends Error {
  readonly oversized: boolean

  constructor (message: string, oversized = false) {
    super(message)
    this.name = 'EnvelopeDecodeError'
    this.oversized = oversized
  }
}

export interface GossipEnvelope {
  /** The sealed payload (lowercase hex when we write it). */
  readonly message: string
  /** `''` on the wire; receivers set it to the peer that delivered the message. */
  readonly senderId: string
  /** `null` for ledger messages; trust zones put `{"sigs": …}` here. */
  readonly annotations: Readonly<Record<string, JsonValue>> | null
}

const FIELDS = ['Message', 'SenderID', 'Annotations'] as const

/** The envelope's JSON bytes, field order and escaping as Go writes them. */
export function encodeEnvelope (envelope: GossipEnvelope): Uint8Array {
  return Buffer.from(encodeGoJson(goStruct({
    Message: envelope.message,
    SenderID: envelope.senderId,
    Annotations: envelope.annotations
  })), 'utf8')
}

/**
 * Decode an envelope like Go's `json.Unmarshal` into `hub.Message`: member names match
 * case-insensitively, unknown members are ignored, `null` leaves a field empty.
 *
 * @param maxBytes - inputs longer than this are refused before parsing
 * @throws EnvelopeDecodeError naming the problem
 */
export function decodeEnvelope (data: Uint8Array, maxBytes: number): GossipEnvelope {
  if (data.length > maxBytes) throw new EnvelopeDecodeError(`envelope of ${data.length} bytes exceeds the ${maxBytes} byte limit`, true)
  let root: JsonNode
  try {
    root = parseJsonTree(decodeUtf8(data))
  } catch (err) {
    throw new EnvelopeDecodeError(`envelope is not JSON: ${(err as Error).message}`)
  }
  if (!(root instanceof JsonObject)) throw new EnvelopeDecodeError('envelope is not a JSON object')
  const fields = structFields(root, FIELDS)
  return {
    message: stringField(fields.Message, 'Message'),
    senderId: stringField(fields.SenderID, 'SenderID'),
    annotations: annotationsField(fields.Annotations)
  }
}

function stringField (node: JsonNode | undefined, name: string): string {
  if (node === undefined || node === null) return ''
  if (typeof node !== 'string') throw new EnvelopeDecodeError(`envelope field ${name} must be a string`)
  return node
}

function annotationsField (node: JsonNode | undefined): Record<string, JsonValue> | null {
  if (node === undefined || node === null) return null
  if (!(node instanceof JsonObject)) throw new EnvelopeDecodeError('envelope field Annotations must be an object')
  return toJsonValue(node) as Record<string, JsonValue>
}
