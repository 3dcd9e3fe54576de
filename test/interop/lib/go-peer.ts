// The Go edgevpn binary the interop specs run beside ours (scripts/build-go-edgevpn.sh builds it).
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
