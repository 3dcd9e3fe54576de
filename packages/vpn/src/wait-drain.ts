import type { Stream } from '@libp2p/interface'

/**
 * Resolves at the stream's next 'drain' event, rejects if it closes first. A fresh listener
 * each time: `stream.onDrain()` resolves at once after its first use (libp2p utils 7.4), which
 * silently disables backpressure.
 */
export async function waitForDrain (stream: Stream): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const onDrain = (): void => {
      stream.removeEventListener('close', onClose)
      resolve()
    }
    const onClose = (event: Event & { error?: Error }): void => {
      stream.removeEventListener('drain', onDrain)
      reject(event.error ?? new Error('stream closed while waiting for drain'))
    }
    stream.addEventListener('drain', onDrain, { once: true })
    stream.addEventListener('close', onClose, { once: true })
  })
}
