import { request } from 'node:http'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { createLogger, } from '@edgevpn/mesh-core'
import { Ledger } from '@edgevpn/ledger'
import { formatRfc3339 } from '@edgevpn/go-compat'
import type { Logger } from '@edgevpn/mesh-core'
import type { OwnershipMode } from '@edgevpn/ledger'
import type { PrivateKey } from '@libp2p/interface'
import { AnnouncingLedgerWriter, createApiServer } from '../src/api/index.js'
import type { ApiServer, ApiServerInit, DnsRecords, DnsRecordSet, LedgerWriter, NodeView } from '../src/api/index.js'
import type { PeerView } from '@edgevpn/api-client'

export interface RawResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

/** Where a test server listens: `host:port` or `unix:///path`. */
export async function rawRequest (address: string, method: string, path: string, init: { body?: string | Buffer, headers?: Record<string, string> } = {}): Promise<RawResponse> {
  const target = address.startsWith('unix://')
    ? { socketPath: address.slice('unix://'.length) }
    : { host: address.slice(0, address.lastIndexOf(':')).replace(/^\[(.*)\]$/, '$1'), port: Number(address.slice(address.lastIndexOf(':') + 1)) }
  return new Promise((resolve, reject) => {
    const req = request({ ...target, method, path, headers: init.headers, agent: false }, res => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => { chunks.push(chunk) })
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }) })
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(init.body)
  })
}

export async function newPeerId (): Promise<{ key: PrivateKey, id: string }> {
  const key = await generateKeyPair('Ed25519')
  return { key, id: peerIdFromPrivateKey(key).toString() }
}

export function tempDir (): { path: string, remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), 'evt-api-'))
  return { path, remove: () => { rmSync(path, { recursive: true, force: true }) } }
}

/** A NodeView over plain data, which tests change as they go. */
export interface TestNode extends NodeView {
  topic: string[] | undefined
  connected: string[]
  peerstore: string[]
  table: PeerView[]
}

export function testNode (peerId: string): TestNode {
  const node: TestNode = {
    peerId,
    topic: [],
    connected: [],
    peerstore: [peerId],
    table: [],
    topicPeers: () => {
      if (node.topic === undefined) throw new Error('ledger topic not joined')
      return node.topic
    },
    connectedPeers: () => node.connected,
    peerstorePeers: async () => node.peerstore,
    peers: () => node.table
  }
  return node
}

/** The few record types the tests use, by number (the real table lives in @edgevpn/dns). */
const TYPES = new Map([['A', 1], ['CNAME', 5], ['TXT', 16], ['AAAA', 28]])

/** The `dns` bucket over a real ledger, stored by numeric type as Go does. */
export function ledgerDns (ledger: Ledger, writer: LedgerWriter): DnsRecords {
  return {
    list: () => [...ledger.list('dns')].map(([regex, value]): DnsRecordSet => ({
      Regex: regex,
      Records: new Map(Object.entries(value as Record<string, string>).map(([type, record]) => [
        [...TYPES].find(([, number]) => String(number) === type)?.[0] ?? '', record
      ]))
    })),
    put: (regex, records) => {
      writer.persist('dns', regex, Object.fromEntries([...records].map(([type, record]) => [String(TYPES.get(type) ?? 0), record])))
    }
  }
}

export interface ApiFixture {
  ledger: Ledger
  node: TestNode
  writer: AnnouncingLedgerWriter
  server: ApiServer
  address: string
  logs: string[]
  self: { key: PrivateKey, id: string }
  stop: () => Promise<void>
}

/** A started API server over a fresh ledger (signed under `enforce`). */
export async function startApi (mode: OwnershipMode, listen: string, init: Partial<ApiServerInit> = {}): Promise<ApiFixture> {
  const self = await newPeerId()
  const ledger = new Ledger({ mode, signer: mode === 'off' ? undefined : self.key, warn: () => {} })
  const logs: string[] = []
  const logger: Logger = createLogger({ level: 'debug', write: line => { logs.push(line) } })
  const writer = new AnnouncingLedgerWriter({ ledger, logger })
  const node = testNode(self.id)
  const server = createApiServer({ listen, ledger, node, writer, logger, dns: ledgerDns(ledger, writer), ...init })
  await server.start()
  return {
    ledger,
    node,
    writer,
    server,
    address: server.address as string,
    logs,
    self,
    stop: async () => {
      await server.stop()
      await writer.stop()
    }
  }
}

export function heartbeat (ageMs: number = 0): string {
  return formatRfc3339(Date.now() - ageMs)
}
