/** A problem with the command line or environment: printed as one line, exit status 1. */
export class UsageError extends Error {
  override name = 'UsageError'
}
