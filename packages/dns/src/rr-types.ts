/**
 * Resource record type mnemonics ↔ numbers (miekg `dns.StringToType` / `TypeToString`), used by
 * the API to translate the numeric keys stored in the `dns` bucket.
 */

const TYPES: ReadonlyArray<readonly [string, number]> = [
  ['None', 0], ['A', 1], ['NS', 2], ['MD', 3], ['MF', 4], ['CNAME', 5], ['SOA', 6], ['MB', 7], ['MG', 8], ['MR', 9],
  ['NULL', 10], ['PTR', 12], ['HINFO', 13], ['MINFO', 14], ['MX', 15], ['TXT', 16], ['RP', 17], ['AFSDB', 18],
  ['X25', 19], ['ISDN', 20], ['RT', 21], ['NSAP-PTR', 23], ['SIG', 24], ['KEY', 25], ['PX', 26], ['GPOS', 27],
  ['AAAA', 28], ['LOC', 29], ['NXT', 30], ['EID', 31], ['NIMLOC', 32], ['SRV', 33], ['ATMA', 34], ['NAPTR', 35],
  ['KX', 36], ['CERT', 37], ['DNAME', 39], ['OPT', 41], ['APL', 42], ['DS', 43], ['SSHFP', 44], ['IPSECKEY', 45],
  ['RRSIG', 46], ['NSEC', 47], ['DNSKEY', 48], ['DHCID', 49], ['NSEC3', 50], ['NSEC3PARAM', 51], ['TLSA', 52],
  ['SMIMEA', 53], ['HIP', 55], ['NINFO', 56], ['RKEY', 57], ['TALINK', 58], ['CDS', 59], ['CDNSKEY', 60],
  ['OPENPGPKEY', 61], ['CSYNC', 62], ['ZONEMD', 63], ['SVCB', 64], ['HTTPS', 65], ['SPF', 99], ['UINFO', 100],
  ['UID', 101], ['GID', 102], ['UNSPEC', 103], ['NID', 104], ['L32', 105], ['L64', 106], ['LP', 107],
  ['EUI48', 108], ['EUI64', 109], ['TKEY', 249], ['TSIG', 250], ['IXFR', 251], ['AXFR', 252], ['MAILB', 253],
  ['MAILA', 254], ['ANY', 255], ['URI', 256], ['CAA', 257], ['AVC', 258], ['AMTRELAY', 260], ['TA', 32768],
  ['DLV', 32769], ['Reserved', 65535]
]

const BY_NAME = new Map(TYPES)
const BY_NUMBER = new Map(TYPES.map(([name, type]) => [type, name]))

/**
 * The number of a type mnemonic (case-sensitive, like Go's `StringToType`), also accepting the
 * RFC 3597 form `TYPE<n>`. Unknown → 0, as Go's API stores it.
 */
export function dnsRecordTypeNumber (name: string): number {
  const known = BY_NAME.get(name)
  if (known !== undefined) return known
  const generic = /^TYPE(\d{1,5})$/.exec(name)
  return generic !== null && Number(generic[1]) <= 0xffff ? Number(generic[1]) : 0
}

/**
 * The mnemonic of a type number. Numbers without one are written `TYPE<n>` (RFC 3597) where
 * Go's API writes an empty string, which would make all of them collide.
 */
export function dnsRecordTypeName (type: number): string {
  return BY_NUMBER.get(type) ?? `TYPE${type}`
}
