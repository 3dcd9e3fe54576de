/**
 * The data-plane test fixtures of `@edgevpn/vpn` (standalone scripts that Node runs
 * inside lab hosts), shared here rather than copied.
 */
import { fileURLToPath } from 'node:url'
import { JsonLines } from '../../../packages/testbed/src/json-lines.js'
import type { LabHost, NetnsLab } from '@edgevpn/testbed/lab'

export { JsonLines }
export { ipv4Udp } from '../../../packages/vpn/test/fixtures/ip-packets.js'
export type { RawSenderConfig } from '../../../packages/vpn/test/fixtures/raw-sender.js'

const fixture = (name: string): string => fileURLToPath(new URL(`../../../packages/vpn/test/fixtures/${name}`, import.meta.url))

/** `net-tools.ts`: traffic endpoints (UDP echo/listen, TCP sink/source) that print JSON lines. */
export const NET_TOOLS = fixture('net-tools.ts')
/** `raw-sender.ts`: a bare libp2p peer that sends one packet the way Go edgevpn does. */
export const RAW_SENDER = fixture('raw-sender.ts')

/** Starts a long-running fixture in a host; the lab's `destroy()` kills it. */
export function spawnFixture (lab: NetnsLab, host: LabHost, script: string, args: string[]): JsonLines {
  return new JsonLines(`${script.split('/').pop() ?? script} ${args.join(' ')}`, lab.spawn(host, process.execPath, [script, ...args]))
}
