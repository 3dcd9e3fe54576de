/**
 * Bytes carried by libp2p streams, by protocol: what a node spends on each part of the mesh
 * (gossip, identify, ping, DHT, the VPN's streams), the way Go's bandwidth counter reports it.
 *
 * It is libp2p's `metrics` component: libp2p hands it every stream once its protocol is
 * negotiated. Counting wraps the stream's `send` and `onData`; it adds no 'message' listener,
 * which would change when a stream delivers its data. The component metrics libp2p's modules
 * register are accepted and dropped.
 */
import type { Metrics, MultiaddrConnection, Stream } from '@libp2p/interface'

export interface TrafficCount {
  bytesIn: number
  bytesOut: number
}

/** Byte counters by stream protocol; `libp2p` is what `createLibp2p`'s `metrics` option takes. */
export interface TrafficMeter {
  /** Totals per protocol ID since start, e.g. `/meshsub/1.1.0`. */
  byProtocol: () => ReadonlyMap<string, Readonly<TrafficCount>>
  readonly libp2p: Metrics
}

/** Accepts every call of a registered component metric and keeps nothing. */
const IGNORED_METRIC = {
  update () {},
  increment () {},
  decrement () {},
  observe () {},
  reset () {},
  timer () { return () => {} }
}

export function createTrafficMeter (): TrafficMeter {
  const protocols = new Map<string, TrafficCount>()

  const countOf = (protocol: string): TrafficCount => {
    let count = protocols.get(protocol)
    if (count === undefined) {
      count = { bytesIn: 0, bytesOut: 0 }
      protocols.set(protocol, count)
    }
    return count
  }

  const register = (): typeof IGNORED_METRIC => IGNORED_METRIC
  const libp2p = {
    trackMultiaddrConnection (_connection: MultiaddrConnection) {},
    trackProtocolStream (stream: Stream) {
      const count = countOf(stream.protocol)
      const metered = stream as Stream & { onData?: (data: { byteLength: number }) => void }
      const send = stream.send.bind(stream)
      stream.send = data => {
        count.bytesOut += data.byteLength
        return send(data)
      }
      const onData = metered.onData?.bind(stream)
      if (onData !== undefined) {
        metered.onData = data => {
          count.bytesIn += data.byteLength
          onData(data)
        }
      }
    },
    registerMetric: register,
    registerMetricGroup: register,
    registerCounter: register,
    registerCounterGroup: register,
    registerHistogram: register,
    registerHistogramGroup: register,
    registerSummary: register,
    registerSummaryGroup: register,
    traceFunction: <F>(_name: string, fn: F): F => fn,
    createTrace: () => undefined
  } as unknown as Metrics

  return { byProtocol: () => protocols, libp2p }
}
