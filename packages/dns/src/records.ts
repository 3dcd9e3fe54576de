/**
 * The ledger's `dns` bucket: key = Go RE2 regex, value = `map[dns.Type]string`, which Go's JSON
 * writes with decimal type numbers as keys (`{"1":"10.1.0.5","28":"fd00::5"}`).
 */

import { BUCKETS } from '@edgevpn/ledger'
import { JsonObject, compareUtf8, parseJsonTree } from '@edgevpn/go-compat'
import { dnsRecordTypeName, dnsRecordTypeNumber } from './rr-types.js'
import type { Ledger } from '@edgevpn/ledger'

/** One `dns` entry as `GET /api/dns` shows it. */
export interface DnsRecordEntry {
  Regex: string
  /** Type mnemonic → record text, e.g. `{ A: '10.1.0.5' }`. */
  Records: Record<string, string>
}

/**
 * The stored form of records given by mnemonic: type numbers as keys (unknown mnemonics become
 * 0, like Go). The ledger's Go JSON encoder sorts the keys as decimal strings, as Go does.
 */
export function dnsRecordValue (records: Readonly<Record<string, string>>): Map<string, string> {
  const numeric = new Map<string, string>()
  for (const [name, value] of Object.entries(records)) numeric.set(String(dnsRecordTypeNumber(name)), value)
  return numeric
}

/**
 * Store records for names matching `regex` (what `POST /api/dns` does).
 *
 * @returns whether the ledger made a new block
 */
export async function putDnsRecord (ledger: Ledger, regex: string, records: Readonly<Record<string, string>>): Promise<boolean> {
  return ledger.put(BUCKETS.dns, regex, dnsRecordValue(records))
}

/** Every live `dns` entry with mnemonic type names, in key byte order. */
export function listDnsRecords (ledger: Ledger): DnsRecordEntry[] {
  const bucket = ledger.currentData().get(BUCKETS.dns) ?? new Map<string, string>()
  return [...bucket.keys()].sort(compareUtf8).map(regex => {
    const Records: Record<string, string> = {}
    for (const [type, value] of decodeDnsRecordValue(bucket.get(regex) as string)) Records[dnsRecordTypeName(type)] = value
    return { Regex: regex, Records }
  })
}

/**
 * Decode a stored value as Go's `json.Unmarshal` into `map[dns.Type]string` does when its error
 * is ignored (as edgevpn does): members with a key that is not a uint16 or a value that is not a
 * string are skipped, later duplicates win, and text that is not a JSON object gives nothing.
 */
export function decodeDnsRecordValue (text: string): Map<number, string> {
  const records = new Map<number, string>()
  let node
  try {
    node = parseJsonTree(text)
  } catch {
    return records
  }
  if (!(node instanceof JsonObject)) return records
  for (const [key, value] of node.members) {
    if (!/^\d+$/.test(key) || Number(key) > 0xffff || typeof value !== 'string') continue
    records.set(Number(key), value)
  }
  return records
}
