/** Every VPN the benchmark knows, in the order it measures them. */
import { edgevpn } from './edgevpn.js'
import { nebula } from './nebula.js'
import { tinc } from './tinc.js'
import { wireguardGo } from './wireguard-go.js'
import type { Contender } from './contender.js'

export const CONTENDERS: readonly Contender[] = [edgevpn, nebula, tinc, wireguardGo]

export type { Contender, Tunnel, TunnelDaemons, TunnelSite } from './contender.js'
