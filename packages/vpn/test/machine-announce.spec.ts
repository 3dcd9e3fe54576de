import { createLogger } from '@edgevpn/mesh-core'
import { Ledger } from '@edgevpn/ledger'
import { describe, expect, it } from 'vitest'
import { goPlatform } from '../src/go-platform.js'
import { MachineAnnouncer, machineValue } from '../src/machine-announce.js'

const SELF = '12D3KooWJ1TsijH7H5F74hfAD5XishQz3sxrmAtVY37GtNd9CqYf'
const OTHER = '12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo'
const logger = createLogger({ level: 'error' })

describe('machine announcement', () => {
  it('writes the Value text Go writes, fields in Go order', async () => {
    const ledger = new Ledger()
    const announcer = new MachineAnnouncer({ ledger, peerId: SELF, logger }, { addresses: ['10.1.0.1'], hostname: 'node<1>', version: 'v0.1.0' })
    await announcer.announce()
    const { os, arch } = goPlatform()
    expect(ledger.getRaw('machines', '10.1.0.1')).toBe(
      `{"PeerID":"${SELF}","Hostname":"node\\u003c1\\u003e","OS":"${os}","Arch":"${arch}","Address":"10.1.0.1","Version":"v0.1.0"}`)
  })

  it('re-announces only when the entry is missing or names another peer', async () => {
    const ledger = new Ledger()
    const announcer = new MachineAnnouncer({ ledger, peerId: SELF, logger }, { addresses: ['10.1.0.1', 'fd00::1'], hostname: 'h' })
    await announcer.announce()
    const index = ledger.index()
    await announcer.announce()
    expect(ledger.index()).toBe(index)
    await ledger.put('machines', '10.1.0.1', machineValue({ peerId: OTHER, hostname: 'x', os: 'linux', arch: 'arm64', address: '10.1.0.1', version: '' }))
    await announcer.announce()
    expect(ledger.get('machines', '10.1.0.1')).toMatchObject({ PeerID: SELF })
    expect(ledger.get('machines', 'fd00::1')).toMatchObject({ PeerID: SELF, Address: 'fd00::1' })
  })

  it('uses GOOS/GOARCH names', () => {
    expect(goPlatform('linux', 'x64')).toEqual({ os: 'linux', arch: 'amd64' })
    expect(goPlatform('win32', 'ia32')).toEqual({ os: 'windows', arch: '386' })
    expect(goPlatform('darwin', 'arm64')).toEqual({ os: 'darwin', arch: 'arm64' })
  })
})
