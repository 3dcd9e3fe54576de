/**
 * @packageDocumentation
 *
 * The DNS server of an edgevpn node, compatible with Go edgevpn's (`--dns`, `edgevpn dns`):
 * names are answered from the ledger's `dns` bucket, whose keys are Go RE2 regular expressions
 * tested (unanchored) against the question name and whose values map record type numbers to
 * record text; everything else is forwarded to upstream resolvers.
 *
 * Beyond Go edgevpn:
 * - UDP and TCP (Go serves UDP only).
 * - Every machine of the `machines` bucket answers as `<Hostname>.edgevpn.` (option
 *   `machineDomain`), A or AAAA by address family, and reverse (PTR) lookups of machine
 *   addresses answer with that name. Other names under that domain are NXDOMAIN.
 * - NXDOMAIN is answered: when forwarding is off and no regex matches the name, and when the
 *   upstreams all say so (Go always answers NOERROR, with no records).
 * - The forwarding cache honours TTLs (Go's never expires), caches negative answers
 *   (RFC 2308), and each upstream gets a short timeout (Go waits 30 s).
 * - Regexes run on a linear-time RE2 matcher, so no ledger entry can stall the server.
 * - Malformed messages get FORMERR/NOTIMP or are dropped; TCP connections are bounded in
 *   number, message size and idle time. Counters are in `stats`.
 *
 * Ledger keys are scanned in byte order (Go's order is random) when several regexes match.
 *
 * @example
 *
 * ```ts
 * import { Ledger } from '@edgevpn/ledger'
 * import { createDnsServer, putDnsRecord } from '@edgevpn/dns'
 *
 * const ledger = new Ledger()
 * await putDnsRecord(ledger, '^api\\.example\\.$', { A: '10.1.0.5', AAAA: 'fd00::5' })
 *
 * const server = createDnsServer({ ledger, listen: '127.0.0.1:5353', upstreams: ['9.9.9.9:53'] })
 * await server.start()
 * // dig @127.0.0.1 -p 5353 api.example        → 10.1.0.5
 * // dig @127.0.0.1 -p 5353 my-host.edgevpn    → the VPN address of machine "my-host"
 * await server.stop()
 * ```
 */

export { createDnsServer, DEFAULT_UPSTREAMS } from './server.js'
export type { DnsServer, DnsServerInit } from './server.js'
export type { DnsServerStats } from './responder.js'
export type { HostPort } from './address.js'
export { putDnsRecord, listDnsRecords, decodeDnsRecordValue, dnsRecordValue } from './records.js'
export type { DnsRecordEntry } from './records.js'
export { dnsRecordTypeNumber, dnsRecordTypeName } from './rr-types.js'
export { MeshZone, DEFAULT_MACHINE_DOMAIN, LEDGER_RECORD_TTL, MACHINE_RECORD_TTL } from './mesh-zone.js'
export type { MeshZoneInit, MeshAnswer, MeshMiss } from './mesh-zone.js'
export { compileRe2 } from './re2.js'
export type { Re2Pattern } from './re2.js'
export { recordData } from './zone-text.js'
export { nameToText, textToName } from './names.js'
export { decodeMessage, encodeMessage, RCODE } from './wire.js'
export type { DnsMessage, DnsHeader, DnsQuestion, DnsRecord } from './wire.js'
export { DnsFormatError, DnsNameError, DnsRecordTextError, InvalidAddressError, Re2SyntaxError } from './errors.js'
