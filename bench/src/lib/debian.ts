/** Installs the Debian packages the benchmarks drive, when missing and when we may (root, apt-get). */
import { execFileSync } from 'node:child_process'

function has (command: string): boolean {
  try {
    execFileSync('sh', ['-c', 'command -v "$0"', command], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

/**
 * Makes sure each command exists, installing its package with apt-get if needed (one
 * `apt-get update` and one `apt-get install` for all of them).
 *
 * @param wanted - command name → Debian package
 * @returns each command still missing afterwards → why it could not be installed
 */
export function installCommands (wanted: Record<string, string>): Map<string, string> {
  const missing = Object.entries(wanted).filter(([command]) => !has(command))
  if (missing.length === 0) return new Map()
  let failure: string | undefined
  if (process.getuid?.() !== 0) {
    failure = 'not root, so apt-get cannot install it'
  } else if (!has('apt-get')) {
    failure = 'no apt-get on this machine'
  } else {
    const packages = [...new Set(missing.map(([, pkg]) => pkg))]
    process.stderr.write(`installing ${packages.join(' ')} from Debian\n`)
    try {
      execFileSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'ignore', 'pipe'] })
      execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], {
        stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
      })
    } catch (err) {
      const stderr = String((err as { stderr?: Buffer }).stderr ?? '').trim().split('\n').at(-1)
      failure = `apt-get failed: ${stderr === undefined || stderr === '' ? (err as Error).message : stderr}`
    }
  }
  const reasons = new Map<string, string>()
  for (const [command, pkg] of missing) {
    if (!has(command)) reasons.set(command, `${command} not found (Debian package ${pkg}): ${failure ?? 'installed, but still not on PATH'}`)
  }
  return reasons
}

/**
 * Like {@link installCommands}.
 *
 * @returns the commands that are still missing
 */
export function ensureCommands (wanted: Record<string, string>): string[] {
  return [...installCommands(wanted).keys()]
}

/** The installed version of a Debian package, e.g. `1.6.1+dfsg-3+b4`, or `unknown`. */
export function packageVersion (pkg: string): string {
  try {
    return execFileSync('dpkg-query', ['-W', '-f=${Version}', pkg], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }) || 'unknown'
  } catch {
    return 'unknown'
  }
}
