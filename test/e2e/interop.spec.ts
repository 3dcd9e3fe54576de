/**
 * Real `edgevpn` daemons receiving from a Go-style peer: `raw-sender.ts` opens one
 * `/edgevpn/0.1` stream per packet, writes the bare IP packet and closes it, as Go edgevpn does.
 * The sender cannot join the gossip (the ledger is sealed with the network token and it runs no
 * ledger), so node 1 admits it through a static peer table (`--static-peertable`, a Go flag),
 * while node 2, which admits only peers of its `machines` bucket, must refuse it.
 *
 * Spawned daemons run the BUILT packages: `npx tsc -b` first.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadOrCreatePrivateKey } from '@edgevpn/mesh-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TestMesh, e2eUnavailableReason } from './lib/test-mesh.js'
import { NET_TOOLS, RAW_SENDER, ipv4Udp, spawnFixture } from './lib/vpn-fixtures.js'
import type { JsonLines, RawSenderConfig } from './lib/vpn-fixtures.js'

const skipReason = e2eUnavailableReason()
const vpnAddress = (index: number): string => `10.1.0.${index + 1}`
const SENDER_ADDRESS = vpnAddress(2)
const LIBP2P_PORT = 4001
const UDP_PORT = 7000
/** How long a refused packet gets to show up anyway before the test says it did not. */
const REFUSED_GRACE_MS = 2000

describe.skipIf(skipReason !== undefined)(`edgevpn daemons and a Go-style /edgevpn/0.1 sender${skipReason === undefined ? '' : ` (skipped: ${skipReason})`}`, () => {
  let mesh: TestMesh | undefined
  let keyDir = ''
  const listeners: JsonLines[] = []
  const senders: Array<{ sender: JsonLines, peerId: string }> = []

  /** A sender in host 3 for node `target`; it sends when told to (see {@link send}). */
  async function startSender (target: { peerId: string, index: number }, payload: string): Promise<{ sender: JsonLines, peerId: string }> {
    const host = mesh!.hosts[target.index]
    const config: RawSenderConfig = {
      listen: `/ip4/${mesh!.hosts[2].address}/tcp/0`,
      target: { peerId: target.peerId, addrs: [`/ip4/${host.address}/tcp/${LIBP2P_PORT}`] },
      protocol: 'go',
      packetHex: Buffer.from(ipv4Udp(SENDER_ADDRESS, vpnAddress(target.index), UDP_PORT, new TextEncoder().encode(payload))).toString('hex')
    }
    const sender = spawnFixture(mesh!.lab, mesh!.hosts[2], RAW_SENDER, [JSON.stringify(config)])
    const ready = await sender.next(line => line.event === 'ready')
    return { sender, peerId: String(ready.peerId) }
  }

  /** Tells a sender to send; resolves with the final status of its stream (`closed` or `reset`). */
  async function send (sender: JsonLines): Promise<string> {
    const sent = await sender.request({}, 'sent')
    return String(sent.status)
  }

  beforeAll(async () => {
    keyDir = mkdtempSync(join(tmpdir(), 'evt-e2e-interop-'))
    mesh = await TestMesh.create({ prefix: 'evtgo', hosts: 3, subnet: '10.254.84' })
    // Node 1's peer table must name a running sender, and a sender must be told its target's
    // identity and address before it starts: fix the daemons' keys and ports in advance.
    const daemonIds = await Promise.all([0, 1].map(async index => (await loadOrCreatePrivateKey(join(keyDir, `node-${index + 1}`))).publicKey.toString()))
    senders.push(await startSender({ peerId: daemonIds[0], index: 0 }, 'from-admitted-go-peer'))
    senders.push(await startSender({ peerId: daemonIds[1], index: 1 }, 'from-stranger'))
    const daemons = [
      mesh.start(0, ['--address', `${vpnAddress(0)}/24`, '--privkey-cache', '--privkey-cache-dir', join(keyDir, 'node-1'),
        '--static-peertable', `${SENDER_ADDRESS}:${senders[0].peerId}`], LIBP2P_PORT),
      mesh.start(1, ['--address', `${vpnAddress(1)}/24`, '--privkey-cache', '--privkey-cache-dir', join(keyDir, 'node-2')], LIBP2P_PORT)
    ]
    for (const [i, daemon] of daemons.entries()) {
      const started = await daemon.waitForLog(line => line.message === 'node started')
      expect(started.peerId).toBe(daemonIds[i])
      await daemon.waitForLog(line => line.message === 'VPN started')
      listeners.push(spawnFixture(mesh.lab, mesh.hosts[i], NET_TOOLS, ['udp-listen', vpnAddress(i), String(UDP_PORT)]))
      await listeners[i].next(line => line.event === 'listening')
    }
  }, 60_000)

  afterAll(async () => {
    await mesh?.destroy()
    rmSync(keyDir, { recursive: true, force: true })
  })

  it('delivers the packet of a Go peer in the static peer table to the TUN', async () => {
    expect(await send(senders[0].sender)).toBe('closed')
    const datagram = await listeners[0].next(line => line.event === 'datagram', 10_000)
    expect(datagram).toMatchObject({ payload: 'from-admitted-go-peer', from: SENDER_ADDRESS })
  }, 30_000)

  it('refuses the stream of a peer that is not in the machines bucket', async () => {
    expect(await send(senders[1].sender)).toBe('reset')
    await new Promise(resolve => setTimeout(resolve, REFUSED_GRACE_MS))
    expect(listeners[1].lines.filter(line => line.event === 'datagram')).toEqual([])
  }, 30_000)
})
