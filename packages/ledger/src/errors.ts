/** Errors the ledger raises on bad input; each message is one line naming the problem. */
import { GoDecodeError } from '@edgevpn/go-compat'

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

/** Runs `decode`, reporting a field that Go's decoder would reject as the ledger's own error. */
export function decodingLedger<T> (decode: () => T): T {
  try {
    return decode()
  } catch (err) {
    if (err instanceof GoDecodeError) throw new LedgerDecodeError(err.message)
    throw err
  }
}
