/** Errors the ledger raises on bad input; each message is one line naming the problem. */

/** A block or entry that Go's decoder would reject (syntax, field types, number forms). */
export class LedgerDecodeError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'LedgerDecodeError'
  }
}

/** An `--ownership` value that is not one of the accepted spellings. */
export class InvalidOwnershipModeError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'InvalidOwnershipModeError'
  }
}
