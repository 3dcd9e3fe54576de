/** Installs Debian packages the benchmarks drive, when missing and when we may (root, apt-get). */
import { execFileSync } from 'node:child_process'

function has (command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

/**
 * Makes sure each command exists, installing its package if needed.
 *
 * @param wanted - command name → Debian package
 * @returns the commands that are still missing
 */
export function ensureCommands (wanted: Record<string, string>): string[] {
  const missing = Object.entries(wanted).filter(([command]) => !has(command))
  if (missing.length > 0 && process.getuid?.() === 0 && has('apt-get')) {
    const packages = [...new Set(missing.map(([, pkg]) => pkg))]
    process.stderr.write(`installing ${packages.join(' ')} from Debian\n`)
    try {
      execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore' })
      execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } })
    } catch {}
  }
  return Object.keys(wanted).filter(command => !has(command))
}
