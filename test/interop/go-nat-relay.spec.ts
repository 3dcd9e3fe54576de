/**
 * A mixed mesh across symmetric NATs (no hole punch can work, so every packet between two NATed hosts
 * crosses the relay): a public node R, a Go edgevpn node behind one NAT and one of ours behind each of
 * two more, once with Go as R and once with ours. R is the only bootstrap and static relay of all.
 *
 * Every NATed node pings R and R pings every NATed node, on the connections the NATed nodes open to R.
 * With our relay, our two NATed nodes ping each other through it, and ours is connected to the Go one
 * through it. What Go cannot do is recorded in docs/compatibility.md: Go v0.35 never sends a VPN packet
 * over a relayed connection, and a Go R on this lab's network offers no relay service at all.
 */
import { createNatLab } from '@edgevpn/testbed/lab'
import { LabDaemon, labApiRequest, labHome, pingUntilUp, waitFor } from '@edgevpn/testbed/lab/tools'
import { afterAll, describe, expect, it } from 'vitest'
import { GO_EDGEVPN, goPeerUnavailableReason, goToken } from './lib/go-peer.js'
import type { LabHost, NatLab } from '@edgevpn/testbed/lab'

type Kind = 'go' | 'ours'
const RELAY_PORT = 4001
const vpnAddress = (index: number): string => `10.77.0.${index + 1}`

function edgevpnOf (lab: NatLab, host: LabHost, kind: Kind, name: string, token: string, flags: string[]): LabDaemon {
  return new LabDaemon(lab, host, {
    name,
    env: { EDGEVPNTOKEN: token, HOME: labHome(host) },
    ...(kind === 'go' ? { command: [GO_EDGEVPN, ...flags] } : { args: flags })
  })
}

describe.skipIf(goPeerUnavailableReason() !== undefined)('a mesh of Go edgevpn and ours across symmetric NATs, through a relay', () => {
  const labs: NatLab[] = []
  const daemons: LabDaemon[] = []

  afterAll(async () => {
    await Promise.all(daemons.map(async daemon => { await daemon.stop() }))
    for (const lab of labs) await lab.destroy()
  }, 60_000)

  it.for([['go'], ['ours']] as const)('every NATed node and R ping each other, and our NATed nodes each other through R, with a %s R', { timeout: 300_000 }, async ([relayKind]) => {
    const token = goToken()
    const lab = await createNatLab({ prefix: `evtgn${relayKind[0]}`, mapping: 'symmetric', natted: 3 })
    labs.push(lab)
    const common = ['--mdns=false', '--log-level', 'info', '--api', '--api-listen', '127.0.0.1:8080']
    daemons.push(edgevpnOf(lab, lab.public, relayKind, `relay-${relayKind}`, token,
      [...common, '--address', `${vpnAddress(0)}/24`, '--listen-maddrs', `/ip4/${lab.public.address}/tcp/${RELAY_PORT}`, '--relay-service-acl-refresh', '2s']))
    const relayId = await waitFor('the relay\'s peer ID', async () => {
      const response = await labApiRequest(lab, lab.public, 'GET', '/api/summary').catch(() => undefined)
      return response?.status === 200 ? (JSON.parse(response.body) as { NodeID?: string }).NodeID : undefined
    }, 60_000)
    const relay = `/ip4/${lab.public.address}/tcp/${RELAY_PORT}/p2p/${relayId}`

    const natted: Array<{ kind: Kind, host: LabHost, address: string }> = (['go', 'ours', 'ours'] as const).map((kind, i) => ({ kind, host: lab.natted[i], address: vpnAddress(i + 1) }))
    for (const [i, { kind, host, address }] of natted.entries()) {
      daemons.push(edgevpnOf(lab, host, kind, `nat-${kind}-${i + 1}`, token, [...common, '--address', `${address}/24`, '--listen-maddrs', '/ip4/0.0.0.0/tcp/0',
        '--discovery-bootstrap-peers', relay, '--discovery-interval', '5', '--autorelay-static-peer', relay, '--autorelay-static-only']))
    }

    const started = Date.now()
    const relayNode = { kind: relayKind, host: lab.public, address: vpnAddress(0) }
    const [goNat, ours1, ours2] = natted
    // go-libp2p starts a relay service only once AutoNAT has found the host public, which this
    // lab's few peers never tell a Go R (ours answer no AutoNAT checks): no pair crosses a Go R
    const throughRelay = relayKind === 'ours' ? [[ours1, ours2], [ours2, ours1]] : []
    const pairs = [...natted.flatMap(node => [[relayNode, node], [node, relayNode]]), ...throughRelay]
    for (const [from, to] of pairs) {
      expect(await pingUntilUp(lab, from.host, to.address, 120_000), `${from.kind} ${from.address} → ${to.kind} ${to.address}`).toBeGreaterThan(0)
    }
    console.log(`${relayKind} relay: ${pairs.length} ordered pairs pinged ${((Date.now() - started) / 1000).toFixed(1)} s after the NATed nodes started`)

    if (relayKind === 'go') return
    // our NATed node reaches the Go one through R, as it does ours; Go would not send back over it
    const goId = await waitFor('the NATed Go node\'s peer ID', async () => {
      const response = await labApiRequest(lab, goNat.host, 'GET', '/api/summary').catch(() => undefined)
      return response?.status === 200 ? (JSON.parse(response.body) as { NodeID?: string }).NodeID : undefined
    }, 30_000)
    const link = await waitFor('our NATed node connected to the Go one', async () => {
      const response = await labApiRequest(lab, ours1.host, 'GET', '/api/peers').catch(() => undefined)
      const peers = response?.status === 200 ? JSON.parse(response.body) as Array<{ id: string, link: string }> : []
      return peers.find(peer => peer.id === goId && peer.link !== 'none')?.link
    }, 60_000)
    expect(link).toBe('relayed')
  })
})
