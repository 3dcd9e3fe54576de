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
