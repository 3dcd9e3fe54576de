/**
 * HTTP egress over the mesh, compatible with Go edgevpn (`/edgevpn/egress/0.1`): the egress
 * service a node runs with `edgevpn --egress`, and the local HTTP proxy of `edgevpn proxy` that
 * sends each request through a random live egress. Beyond Go: CONNECT tunnels (HTTPS through the
 * proxy), a guard against reaching the egress host's own and private networks, bounded
 * concurrency.
 *
 * @example
 *
 * ```ts
 * // on the egress node
 * const egress = new EgressService({ libp2p, ledger, peerId, logger }, { blockedSubnets: ['10.1.0.0/24'] })
 * await egress.start()
 *
 * // on a client node (its users entry lets it in: announceUser from ../services/)
 * const users = announceUser(ledger, peerId, { intervalMs: 120_000 })
 * const proxy = new HttpProxy({ libp2p, ledger, logger }, { listen: '127.0.0.1:8080' })
 * await proxy.start()
 * ```
 */

export { EgressService, EGRESS_PROTOCOL } from './egress-service.js'
export type { EgressServiceComponents, EgressServiceInit } from './egress-service.js'
export { HttpProxy, ProxyListenError, NO_EGRESS_MESSAGE } from './http-proxy.js'
export type { HttpProxyComponents, HttpProxyInit } from './http-proxy.js'
export { TargetGuard, BlockedTargetError, InvalidSubnetError, pinnedLookup } from './target-guard.js'
export type { TargetGuardInit } from './target-guard.js'
export { pickEgress } from './pick-egress.js'
export { httpTarget, connectTarget, BadTargetError } from './http-target.js'
export type { HttpTarget } from './http-target.js'
export { splitHostPort, lookupPort, ListenAddressError } from '../net/host-port.js'
