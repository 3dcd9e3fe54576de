/** One node of the benchmark mesh: a libp2p host on loopback with a signed ledger kept in sync. */
import { createMeshHost, parsePeerAddresses } from '@edgevpn/mesh-core'
import { Ledger, LedgerSync } from '@edgevpn/ledger'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { sleep } from '../lib/measure.js'
import type { MeshHost, NetworkConfig } from '@edgevpn/mesh-core'

/** The ledger bucket the benchmark writes to and watches. */
export const BENCH_BUCKET = 'bench'

export interface BenchNode {
  host: MeshHost
  ledger: Ledger
  /** The address other nodes dial. */
  address: string
  /** Dials another node, retrying: handshakes time out now and then on a loaded machine. */
  dial: (address: string) => Promise<void>
  stop: () => Promise<void>
}

/**
 * Starts a node (ownership enforced, TCP only, DHT client) that calls `onSeen` the first time
 * each key of {@link BENCH_BUCKET} becomes readable on it.
 */
export async function startBenchNode (config: NetworkConfig, onSeen: (key: string) => void): Promise<BenchNode> {
  const privateKey = await generateKeyPair('Ed25519')
  const host = await createMeshHost({ privateKey, listen: ['/ip4/127.0.0.1/tcp/0'], quic: false, dhtClientMode: true })
  const ledger = new Ledger({ mode: 'enforce', signer: privateKey, warn: () => {} })
  const sync = new LedgerSync({ libp2p: host.libp2p, ledger }, { network: config })
  const seen = new Set<string>()
  ledger.watch({ bucket: BENCH_BUCKET }, change => {
    if (seen.has(change.key)) return
    seen.add(change.key)
    onSeen(change.key)
  })
  await sync.start()
  const started = sync
  return {
    host,
    ledger,
    address: host.libp2p.getMultiaddrs()[0].toString(),
    dial: async address => { await dialWithRetry(host, address) },
    stop: async () => { await started.stop(); await host.stop() }
  }
}

async function dialWithRetry (host: MeshHost, address: string, attempts = 8): Promise<void> {
  const [peer] = parsePeerAddresses([address], 'benchmark node')
  for (let attempt = 1; ; attempt++) {
    try {
      await host.libp2p.dial(peer.multiaddrs)
      return
    } catch (err) {
      if (attempt >= attempts) throw err
      await sleep(500 * attempt)
    }
  }
}
