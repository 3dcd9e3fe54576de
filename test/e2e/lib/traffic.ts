/** TCP traffic through the VPN between lab hosts, with the data-plane tests' `net-tools.ts`. */
import { NET_TOOLS, spawnFixture } from './vpn-fixtures.js'
import type { LabHost, NetnsLab } from '@edgevpn/testbed/lab'

export interface TcpTransfer {
  bytes: number
  sentSha256: string
  receivedBytes: number
  receivedSha256: string
  /** Time from the sender's connect until its socket closed. */
  ms: number
}

/** Sends `bytes` random bytes over one TCP connection from `from` to `toAddress:port`, received on `to`. */
export async function transferTcp (lab: NetnsLab, from: LabHost, to: LabHost, toAddress: string, port: number, bytes: number): Promise<TcpTransfer> {
  const sink = spawnFixture(lab, to, NET_TOOLS, ['tcp-sink', toAddress, String(port)])
  await sink.next(line => line.event === 'listening')
  const out = await lab.exec(from, process.execPath, [NET_TOOLS, 'tcp-source', toAddress, String(port), String(bytes)])
  const sent = JSON.parse(out.trim().split('\n').pop() ?? '') as { bytes: number, sha256: string, ms: number }
  const received = await sink.next(line => line.event === 'done', 60_000)
  return { bytes: sent.bytes, sentSha256: sent.sha256, receivedBytes: Number(received.bytes), receivedSha256: String(received.sha256), ms: sent.ms }
}
