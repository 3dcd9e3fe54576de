/**
 * The JSON shapes of the HTTP API (Go `pkg/types` and `api/types`). Go structs have no `json`
 * tags, so the member names are the Go field names and appear in this order. The web dashboard
 * (`@edgevpn/web-ui`) reads the API with these types, through type-only imports, so keep this module
 * free of runtime imports.
 */

import type { PeerState } from '@edgevpn/mesh-core'

export const MACHINE_FIELDS = ['PeerID', 'Hostname', 'OS', 'Arch', 'Address', 'Version'] as const
export const SERVICE_FIELDS = ['PeerID', 'Name'] as const
export const FILE_FIELDS = ['PeerID', 'Name'] as const
export const USER_FIELDS = ['PeerID', 'Timestamp'] as const

/** A `machines` entry: a node of the VPN. */
export type Machine = Record<typeof MACHINE_FIELDS[number], string>
/** A `services` entry (`service-add`). */
export type Service = Record<typeof SERVICE_FIELDS[number], string>
/** A `files` entry (`file-send`). */
export type File = Record<typeof FILE_FIELDS[number], string>
/** A `users` entry. */
export type User = Record<typeof USER_FIELDS[number], string>

/** `/api/machines` element: the machine plus its reachability. */
export type MachineStatus = Machine & {
  /** An open connection to the machine's peer right now. */
  Connected: boolean
  /** The peer is subscribed to the ledger topic. */
  OnChain: boolean
  /** The peer sent a heartbeat in the last 20 minutes. */
  Online: boolean
}

// type aliases rather than interfaces: goStruct() takes a record type

/** `/api/nodes` and `/api/peerstore` element. */
export type Peer = {
  ID: string
  Online: boolean
}

export const SUMMARY_FIELDS = ['Files', 'Machines', 'Users', 'Services', 'BlockChain', 'OnChainNodes', 'Peers', 'NodeID'] as const

/** `/api/summary`. */
export type Summary = {
  Files: number
  Machines: number
  Users: number
  Services: number
  /** Index of the last ledger block. */
  BlockChain: number
  /** Peers on the ledger topic. */
  OnChainNodes: number
  /** Peer store entries, this node included. */
  Peers: number
  NodeID: string
}

/** `/api/peers` element (our own route): a peer table entry and the VPN bytes exchanged with it. */
export type PeerEntry = Pick<PeerView, keyof PeerView>

/** `/api/dns` element, and the body `POST /api/dns` takes: record values by type mnemonic. */
export type DnsEntry = {
  Regex: string
  Records: Record<string, string>
}

/** `/api/ledger`: bucket → key → the stored Value's JSON text. */
export type LedgerSnapshot = Record<string, Record<string, string>>

/** A peer table entry, with the VPN bytes exchanged with the peer when the node runs the VPN. */
export interface PeerView extends PeerState {
  readonly bytesIn?: number
  readonly bytesOut?: number
}
