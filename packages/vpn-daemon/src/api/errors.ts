/** The API server could not listen on its address (bad address, socket in use, bind failure). */
export class ApiListenError extends Error {
  override name = 'ApiListenError'
}

/** A request made by the API client failed or returned something unexpected. */
export class ApiClientError extends Error {
  override name = 'ApiClientError'
}

/** `getBucketKey` found no value under the key (Go signals this with a JSON decode error). */
export class KeyNotFoundError extends ApiClientError {
  override name = 'KeyNotFoundError'

  constructor (bucket: string, key: string) {
    super(`no value for key "${key}" in bucket "${bucket}"`)
  }
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
