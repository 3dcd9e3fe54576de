/** A stream from a peer without a live `users` entry, refused by a service (spec §8). */
export class NotAUserError extends Error {
  override name = 'NotAUserError'

  constructor (peer: string) {
    super(`peer ${peer} has no users entry`)
  }
}

/** A tunnel saw no traffic in either direction for its idle timeout. */
export class TunnelIdleError extends Error {
  override name = 'TunnelIdleError'
}

/** A service is at its limit of concurrent tunnels or transfers; the new one is refused. */
export class TooManyTransfersError extends Error {
  override name = 'TooManyTransfersError'

  constructor (limit: number) {
    super(`more than ${limit} transfers at once`)
  }
}

/** A service or file option that cannot work: bad `host:port`, unreadable file, port in use, unwritable destination. */
export class ServiceConfigError extends Error {
  override name = 'ServiceConfigError'
}
