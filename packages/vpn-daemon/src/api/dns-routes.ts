import { decodeUtf8, goStruct, JsonObject, parseJsonTree, structFields, describeJsonNode } from '@edgevpn/go-compat'
import type { DnsRecords } from './dns-records.js'
import type { RouteContext, Router } from './router.js'
import { HttpError } from './errors.js'
import { ANNOUNCING, ok } from './json-response.js'
import type { JsonNode } from '@edgevpn/go-compat'

/** `GET /api/dns` lists the `dns` bucket; `POST /api/dns` announces `{"Regex","Records"}`. */
export function addDnsRoutes (router: Router, dns: DnsRecords): void {
  router
    .add('GET', '/api/dns', () => ok(dns.list().map(({ Regex, Records }) => goStruct({ Regex, Records }))))
    .add('POST', '/api/dns', (context) => {
      const { regex, records } = parseDnsBody(jsonBody(context))
      dns.put(regex, records)
      return ANNOUNCING
    })
}

function jsonBody ({ headers, body }: RouteContext): JsonNode {
  const type = headers['content-type']
  if (type !== undefined && !/^application\/json\s*(;|$)/i.test(type)) {
    throw new HttpError(415, `unsupported Content-Type "${type}", expected application/json`)
  }
  if (body.length === 0) throw new HttpError(400, 'request body is empty, expected {"Regex":"...","Records":{"A":"..."}}')
  try {
    return parseJsonTree(decodeUtf8(body))
  } catch (err) {
    throw new HttpError(400, `request body: ${(err as Error).message}`)
  }
}

/**
 * Decodes Go's `api/types.DNS` (member names match case-insensitively, as in Go). Unlike Go,
 * an empty `Regex` is refused: it would announce a record for no name.
 */
function parseDnsBody (body: JsonNode): { regex: string, records: Map<string, string> } {
  if (!(body instanceof JsonObject)) throw new HttpError(400, `request body must be a JSON object, got ${describeJsonNode(body)}`)
  const { Regex: regex, Records: recordsNode } = structFields(body, ['Regex', 'Records'])
  if (typeof regex !== 'string' || regex === '') throw new HttpError(400, 'request body: Regex must be a non-empty string')
  const records = new Map<string, string>()
  if (recordsNode === undefined || recordsNode === null) return { regex, records }
  if (!(recordsNode instanceof JsonObject)) throw new HttpError(400, `request body: Records must be an object, got ${describeJsonNode(recordsNode)}`)
  for (const [type, record] of recordsNode.members) {
    if (typeof record !== 'string') throw new HttpError(400, `request body: Records.${type} must be a string, got ${describeJsonNode(record)}`)
    records.set(type, record)
  }
  return { regex, records }
}
