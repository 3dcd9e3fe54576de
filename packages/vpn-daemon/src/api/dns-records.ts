/** One entry of the `dns` bucket as the API shows it: record types by mnemonic (`A`, `AAAA`, ...). */
export interface DnsRecordSet {
  /** The name pattern, the entry's key. */
  readonly Regex: string
  /** Record type mnemonic → value, e.g. `{ A: '10.1.0.5' }`. */
  readonly Records: ReadonlyMap<string, string>
}

/**
 * The `dns` bucket behind `GET/POST /api/dns`. Entries are stored by numeric record type (Go
 * `map[dns.Type]string`); the implementation converts to and from mnemonics, unknown mnemonics
 * becoming type 0 as in Go.
 */
export interface DnsRecords {
  list: () => DnsRecordSet[]
  /** Stores and announces the records under `regex` (asynchronously, like Go's `Persist`). */
  put: (regex: string, records: ReadonlyMap<string, string>) => void
}
