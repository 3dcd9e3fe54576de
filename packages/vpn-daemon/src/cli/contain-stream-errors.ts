import type { Logger } from '@edgevpn/mesh-core'

/**
 * Errors a peer's connection can throw outside any caller while it goes away: js-libp2p's yamux
 * writes a window update on a stream whose connection just closed and throws `StreamStateError`
 * from a socket callback (seen when NATed peers' connections churn). They concern one connection,
 * which is already gone, so a long-running node logs them and goes on.
 */
const CONNECTION_ERRORS = new Set(['StreamStateError', 'StreamClosedError', 'StreamResetError', 'ConnectionClosedError', 'MuxerClosedError'])

/**
 * Keeps a daemon running through an uncaught per-connection libp2p error; anything else is logged
 * and ends the process with status 1, as Node would.
 *
 * @returns a function that removes the handler
 */
export function containStreamErrors (logger: Logger): () => void {
  const onError = (err: Error): void => {
    if (CONNECTION_ERRORS.has(err.name)) {
      logger.warn('a peer connection failed outside any request; the node goes on', { error: `${err.name}: ${err.message}` })
      return
    }
    logger.error('unexpected error, exiting', { error: `${err.name}: ${err.message}` })
    process.exit(1)
  }
  process.on('uncaughtException', onError)
  return () => { process.off('uncaughtException', onError) }
}
