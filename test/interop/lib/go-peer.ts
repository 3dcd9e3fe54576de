// The Go edgevpn binary the interop specs run beside ours (scripts/build-go-edgevpn.sh builds it).
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { e2eUnavailableReason } from '../../e2e/lib/test-mesh.js'

/** Where scripts/test-deps.sh keeps what it builds and fetches for the tests. */
const TEST_CACHE = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'edgevpn-test')
export const GO_CACHE = join(TEST_CACHE, 'go')
export const GO_EDGEVPN = join(GO_CACHE, 'edgevpn')
/** provider-kairos's role code in a harness (scripts/build-kairos-harness.sh builds it). */
export const KAIROS_HARNESS = join(TEST_CACHE, 'kairos', 'evtharness')

/** Why the Go interop specs cannot run here, or undefined. */
export function goPeerUnavailableReason (): string | undefined {
  if (!existsSync(GO_EDGEVPN)) return `Go edgevpn is not built (${GO_EDGEVPN}): scripts/build-go-edgevpn.sh builds it where Go is installed`
  return e2eUnavailableReason()
}

/**
 * A network token that Go edgevpn generates (so ours must read Go's format), whose OTPs turn once a
 * day. Go builds a new gossip router at every rotation and a Go node's gossip to another Go node can
 * then stall for most of an OTP period (docs/compatibility.md): with Go's default 360 s, a spec that
 * happened to span a rotation failed in its all-Go steps. Rotation has its own spec
 * (go-token-rotation.spec.ts); the others do not depend on where a rotation falls.
 */
export function goToken (): string {
  return execFileSync(GO_EDGEVPN, ['-g', '-b', '--key-otp-interval', '86400'], { encoding: 'utf8' }).trim()
}
