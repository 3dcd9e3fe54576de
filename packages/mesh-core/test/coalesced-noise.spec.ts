/**
 * What a small message costs on the wire between two real mesh hosts over TCP, counted by the
 * kernel in a network namespace of the fixture's own (fixtures/segment-probe.ts, on the built
 * package; run `npx tsc -b` first).
 */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const PROBE = fileURLToPath(new URL('./fixtures/segment-probe.ts', import.meta.url))

function unavailableReason (): string | undefined {
  if (process.getuid?.() !== 0) return 'a network namespace of its own needs root'
  if (spawnSync('unshare', ['-n', 'true']).status !== 0) return 'unshare -n does not work here'
  return undefined
}

describe.skipIf(unavailableReason() !== undefined)('Noise over TCP', () => {
  it('sends each encrypted message in one TCP segment, not its length and its body apart', () => {
    const run = spawnSync('unshare', ['-n', 'sh', '-c', 'ip link set lo up && exec "$0" "$1"', process.execPath, PROBE], { encoding: 'utf8', timeout: 30_000 })
    expect(run.status, run.stderr).toBe(0)
    const { roundTrips, segments } = JSON.parse(run.stdout) as { roundTrips: number, segments: number }
    console.log(`${segments} TCP segments for ${roundTrips} echoed messages`)
    // a message, its echo and their ACKs: 6 segments a round trip; with the 2-byte length
    // written apart from each message it took 10
    expect(segments).toBeLessThanOrEqual(7 * roundTrips)
  })
})
