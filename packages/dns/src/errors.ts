/** A DNS message that cannot be decoded (truncated, compression loop, oversized name, ...). */
export class DnsFormatError extends Error {
  constructor (message: string) {
    super(`malformed DNS message: ${message}`)
    this.name = 'DnsFormatError'
  }
}

/** A regular expression that Go's RE2 syntax rejects (Go skips such `dns` keys). */
export class Re2SyntaxError extends Error {
  readonly pattern: string

  constructor (pattern: string, problem: string) {
    super(`invalid RE2 pattern ${JSON.stringify(pattern)}: ${problem}`)
    this.name = 'Re2SyntaxError'
    this.pattern = pattern
  }
}

/** Record text that does not parse as the rdata of its type (Go's `dns.NewRR` fails on it). */
export class DnsRecordTextError extends Error {
  constructor (type: string, value: string, problem: string) {
    super(`invalid ${type} record ${JSON.stringify(value)}: ${problem}`)
    this.name = 'DnsRecordTextError'
  }
}

/** A `host:port` option that cannot be used (listen address, upstream server). */
export class InvalidAddressError extends Error {
  constructor (what: string, value: string, problem: string) {
    super(`invalid ${what} ${JSON.stringify(value)}: ${problem}`)
    this.name = 'InvalidAddressError'
  }
}

/** A domain name in presentation format that is not valid (label over 63 bytes, name over 255, bad escape). */
export class DnsNameError extends Error {
  constructor (name: string, problem: string) {
    super(`invalid domain name ${JSON.stringify(name)}: ${problem}`)
    this.name = 'DnsNameError'
  }
}
