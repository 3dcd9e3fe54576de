/**
 * The names the mesh answers itself: records posted in the ledger's `dns` bucket (Go edgevpn's
 * semantics) and every machine of the `machines` bucket by name, with reverse (PTR) lookups of
 * their VPN addresses.
 */

import { BUCKETS } from '@edgevpn/ledger'
import { compareUtf8, parseIp } from '@edgevpn/go-compat'
import { DnsNameError } from './errors.js'
import { ipKey } from './ip-key.js'
import { lowerName, nameLabels, nameToText, reverseNameAddress, textToName } from './names.js'
import { compileRe2 } from './re2.js'
import { decodeDnsRecordValue } from './records.js'
import { CLASS_IN, RCODE } from './wire.js'
import { recordData } from './zone-text.js'
import type { Re2Pattern } from './re2.js'
import type { DnsQuestion, DnsRecord } from './wire.js'
import type { Ledger } from '@edgevpn/ledger'

/** Go builds ledger answers from zone text without a TTL, so miekg's default applies. */
export const LEDGER_RECORD_TTL = 3600
/** Machines come and go; resolvers should not hold on to their addresses for long. */
export const MACHINE_RECORD_TTL = 60
export const DEFAULT_MACHINE_DOMAIN = 'edgevpn.'

const TYPE_A = 1
const TYPE_PTR = 12
const TYPE_AAAA = 28
const TYPE_ANY = 255
const CLASS_ANY = 255

export interface MeshZoneInit {
  ledger: Ledger
  /**
   * Machines answer as `<Hostname>.<machineDomain>`; names under it that no machine has are
   * NXDOMAIN, and are never forwarded.
   *
   * @default 'edgevpn.'
   */
  machineDomain?: string
}

/** The mesh's own answer: `answers` may be empty (NODATA) or the name may not exist (NXDOMAIN). */
export interface MeshAnswer {
  readonly found: true
  readonly rcode: number
  readonly answers: DnsRecord[]
}

/** Not a mesh name; `nameMatched` tells whether some `dns` regex matched it (for another type). */
export interface MeshMiss {
  readonly found: false
  readonly nameMatched: boolean
}

interface LedgerRecord {
  readonly pattern: Re2Pattern | undefined
  readonly values: Map<number, string>
  /** RDATA per type, built on first use; undefined = the text does not parse. */
  readonly data: Map<number, Uint8Array | undefined>
}

interface Machine {
  /** `<Hostname>.<domain>` in wire form. */
  readonly name: Uint8Array
  readonly addresses: Uint8Array[]
}

interface Snapshot {
  readonly records: LedgerRecord[]
  /** Lowercased machine name (latin1 of the wire form) → machine. */
  readonly machines: Map<string, Machine>
  /** {@link ipKey} → machine name. */
  readonly reverse: Map<string, Uint8Array>
}

/**
 * Answers from the ledger. Its view is rebuilt lazily after the `dns` or `machines` bucket
 * changes; compiled regexes and encoded records are kept as long as their entry is unchanged.
 */
export class MeshZone {
  readonly machineDomain: Uint8Array
  private readonly ledger: Ledger
  private readonly domainLabels: string[]
  private readonly unwatch: Array<() => void>
  private snapshot: Snapshot | undefined
  private patterns = new Map<string, Re2Pattern | undefined>()
  private records = new Map<string, LedgerRecord & { readonly text: string }>()

  constructor (init: MeshZoneInit) {
    this.ledger = init.ledger
    const domain = (init.machineDomain ?? DEFAULT_MACHINE_DOMAIN).replace(/^\.+/, '')
    // under the root, every unknown single-label name would be answered NXDOMAIN locally
    if (domain === '' || domain === '.') throw new DnsNameError(domain, 'the machine domain cannot be the root')
    this.machineDomain = lowerName(textToName(domain))
    this.domainLabels = labelKeys(this.machineDomain)
    const invalidate = (): void => { this.snapshot = undefined }
    this.unwatch = [BUCKETS.dns, BUCKETS.machines].map(bucket => this.ledger.watch({ bucket }, invalidate))
  }

  close (): void {
    for (const stop of this.unwatch) stop()
  }

  lookup (question: DnsQuestion): MeshAnswer | MeshMiss {
    if (question.class !== CLASS_IN && question.class !== CLASS_ANY) return { found: false, nameMatched: false }
    const snapshot = this.current()
    const text = nameToText(question.name)
    let nameMatched = false
    // Go: the first regex (unanchored, on the name as received) that has a record of the
    // question's type and whose text parses wins; Go's order is random, ours is key order
    for (const record of snapshot.records) {
      if (record.pattern?.test(text) !== true) continue
      nameMatched = true
      const data = recordDataOf(record, question.type)
      if (data !== undefined) {
        return answer(RCODE.noError, [{ name: question.name, type: question.type, class: CLASS_IN, ttl: LEDGER_RECORD_TTL, data }])
      }
    }
    return this.machineAnswer(snapshot, question) ?? { found: false, nameMatched }
  }

  private machineAnswer (snapshot: Snapshot, question: DnsQuestion): MeshAnswer | undefined {
    const wantsType = (type: number): boolean => question.type === type || question.type === TYPE_ANY
    const address = reverseNameAddress(question.name)
    if (address !== undefined) {
      const name = wantsType(TYPE_PTR) ? snapshot.reverse.get(ipKey(address)) : undefined
      return name === undefined ? undefined : answer(RCODE.noError, [machineRecord(question, TYPE_PTR, name)])
    }
    const labels = labelKeys(question.name)
    const inDomain = labels.length >= this.domainLabels.length &&
      this.domainLabels.every((label, i) => labels[labels.length - this.domainLabels.length + i] === label)
    if (!inDomain) return undefined
    const machine = snapshot.machines.get(Buffer.from(lowerName(question.name)).toString('latin1'))
    if (machine === undefined) {
      return answer(labels.length === this.domainLabels.length ? RCODE.noError : RCODE.nxDomain, [])
    }
    const records: DnsRecord[] = []
    for (const bytes of machine.addresses) {
      const type = bytes.length === 4 ? TYPE_A : TYPE_AAAA
      if (wantsType(type)) records.push(machineRecord(question, type, bytes))
    }
    return answer(RCODE.noError, records)
  }

  private current (): Snapshot {
    this.snapshot ??= this.build()
    return this.snapshot
  }

  private build (): Snapshot {
    const data = this.ledger.currentData()
    const dnsBucket = data.get(BUCKETS.dns) ?? new Map<string, string>()
    const patterns = new Map<string, Re2Pattern | undefined>()
    const records = new Map<string, LedgerRecord & { readonly text: string }>()
    for (const key of [...dnsBucket.keys()].sort(compareUtf8)) {
      const text = dnsBucket.get(key) as string
      const pattern = this.patterns.has(key) ? this.patterns.get(key) : compileOrSkip(key)
      patterns.set(key, pattern)
      const previous = this.records.get(key)
      records.set(key, previous !== undefined && previous.text === text && previous.pattern === pattern
        ? previous
        : { text, pattern, values: decodeDnsRecordValue(text), data: new Map() })
    }
    // only live keys are kept, so the caches cannot grow past the bucket
    this.patterns = patterns
    this.records = records

    const machines = new Map<string, Machine>()
    const reverse = new Map<string, Uint8Array>()
    for (const [key, value] of this.ledger.list(BUCKETS.machines)) {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) continue
      const hostname = value.Hostname
      const addressText = typeof value.Address === 'string' && value.Address !== '' ? value.Address : key
      const address = parseIp(addressText)
      if (typeof hostname !== 'string' || hostname === '' || address === undefined) continue
      let name: Uint8Array
      try {
        name = textToName(`${hostname}.${nameToText(this.machineDomain)}`)
      } catch {
        continue
      }
      const lookupKey = Buffer.from(lowerName(name)).toString('latin1')
      const machine = machines.get(lookupKey) ?? { name, addresses: [] }
      machine.addresses.push(address)
      machines.set(lookupKey, machine)
      reverse.set(ipKey(address), name)
    }
    return { records: [...records.values()], machines, reverse }
  }
}

function answer (rcode: number, answers: DnsRecord[]): MeshAnswer {
  return { found: true, rcode, answers }
}

function machineRecord (question: DnsQuestion, type: number, data: Uint8Array): DnsRecord {
  return { name: question.name, type, class: CLASS_IN, ttl: MACHINE_RECORD_TTL, data }
}

function recordDataOf (record: LedgerRecord, type: number): Uint8Array | undefined {
  const text = record.values.get(type)
  if (text === undefined) return undefined
  if (record.data.has(type)) return record.data.get(type)
  let data: Uint8Array | undefined
  try {
    data = recordData(type, text)
  } catch {
    // Go's dns.NewRR failed: this entry does not answer
    data = undefined
  }
  record.data.set(type, data)
  return data
}

/** Go skips keys that do not compile. */
function compileOrSkip (source: string): Re2Pattern | undefined {
  try {
    return compileRe2(source)
  } catch {
    return undefined
  }
}

function labelKeys (wire: Uint8Array): string[] {
  return nameLabels(lowerName(wire)).map(label => Buffer.from(label).toString('latin1'))
}
