/** The API server could not listen on its address (bad address, socket in use, bind failure). */
export class ApiListenError extends Error {
  override name = 'ApiListenError'
}

/** A request the server answers with an error status; `message` goes into the JSON body. */
export class HttpError extends Error {
  override name = 'HttpError'
  readonly status: number

  constructor (status: number, message: string) {
    super(message)
    this.status = status
  }
}
