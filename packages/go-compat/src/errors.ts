/** A JSON value that Go's decoder would reject for its field (wrong type, range or encoding). */
export class GoDecodeError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'GoDecodeError'
  }
}
