import { createLogger, encodeToken, generateNetworkConfig, PUBLIC_DHT_BOOTSTRAP_PEERS } from '@edgevpn/mesh-core'
import { parseFlags } from '@edgevpn/go-cli'
import { describe, expect, it } from 'vitest'
import { commonFlags } from '../src/cli/common-flags.js'
import { nodeInitFromFlags } from '../src/cli/node-flags.js'

const token = encodeToken(generateNetworkConfig())
const BOOTSTRAP = '/ip4/10.9.9.9/tcp/4001/p2p/12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA'

async function dhtOf (argv: string[]): Promise<unknown> {
  const { flags } = parseFlags([...argv, '--token', token], commonFlags, { env: {} })
  const init = await nodeInitFromFlags(flags, createLogger({ level: 'error' }), { alive: false, instance: undefined })
  return init.discovery?.dht
}

describe('where --dht enters the DHT (Go: the public IPFS bootstrap list when none is given)', () => {
  it('enters the public DHT with default flags', async () => {
    expect(await dhtOf([])).toMatchObject({ entryPoints: [...PUBLIC_DHT_BOOTSTRAP_PEERS] })
    expect(PUBLIC_DHT_BOOTSTRAP_PEERS.every(address => /\/p2p\/\w+$/.test(address))).toBe(true)
  })

  it('enters through the bootstrap peers instead when they are given', async () => {
    const dht = await dhtOf(['--discovery-bootstrap-peers', BOOTSTRAP])
    expect(dht).not.toHaveProperty('entryPoints')
  })

  it('stays out with --dht=false', async () => {
    expect(await dhtOf(['--dht=false'])).toBe(false)
  })
})
