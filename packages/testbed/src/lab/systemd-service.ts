/**
 * Runs a systemd service the way systemd would, where no systemd runs: in a root directory (a
 * system image) inside a lab host, from the unit's own text. It follows the directives a plain
 * unit uses: `EnvironmentFile=` (`%i` is the instance; the only environment besides systemd's
 * `PATH`, so no `HOME`), `LimitNOFILE=`, `ExecStartPre=` (a `-` prefix ignores failure) and
 * `ExecStart=`, a bare program name looked up in systemd's fixed search path inside the root.
 * The root gets its own /proc, /sys and /dev mounts, which end with the service's process.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

/** systemd's `PATH` for services and the folders it looks up a bare `ExecStart` name in. */
export const SYSTEMD_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin'

/** `[Section] Key=value` lines of a unit file: every value of each `Section.Key`, in order. */
export function parseUnit (text: string): Map<string, string[]> {
  const entries = new Map<string, string[]>()
  let section = ''
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue
    const header = /^\[(.+)\]$/.exec(line)
    if (header !== null) {
      section = header[1]
      continue
    }
    const eq = line.indexOf('=')
    const key = `${section}.${line.slice(0, eq)}`
    entries.set(key, [...entries.get(key) ?? [], line.slice(eq + 1)])
  }
  return entries
}

/** `KEY=value` lines of an environment file (comments, blank lines and one pair of quotes allowed). */
export function parseEnvironmentFile (text: string): Record<string, string> {
  const variables: Record<string, string> = {}
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue
    const eq = line.indexOf('=')
    if (eq <= 0) throw new Error(`environment file line without KEY=: ${line}`)
    variables[line.slice(0, eq).trim()] = line.slice(eq + 1).trim().replace(/^(["'])(.*)\1$/, '$2')
  }
  return variables
}

/** Splits a command line as systemd does for the simple cases: spaces, double and single quotes. */
function splitCommand (text: string): string[] {
  return [...text.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map(match => match[1] ?? match[2] ?? match[3])
}

const quote = (word: string): string => `'${word.replaceAll("'", "'\\''")}'`

export interface ServiceInit {
  /** The system image: holds the unit's environment file and programs. */
  root: string
  /** The text of the unit file (e.g. a template `name@.service`). */
  unit: string
  /** The instance, for `%i`. */
  instance: string
}

/**
 * The `sh -c` script (run as root inside the lab host, e.g. with `LabDaemon`'s `command`) that
 * starts the service in `root`.
 *
 * @throws Error when the unit has no `ExecStart=` or its environment file cannot be read
 */
export function serviceScript (init: ServiceInit): string {
  const unit = parseUnit(init.unit)
  const expand = (value: string): string => value.replaceAll('%i', init.instance).replaceAll('%%', '%')
  const start = unit.get('Service.ExecStart')?.at(-1)
  if (start === undefined) throw new Error('the unit has no ExecStart=')
  const environment: Record<string, string> = { PATH: SYSTEMD_PATH }
  for (const file of unit.get('Service.EnvironmentFile') ?? []) {
    const optional = file.startsWith('-')
    try {
      Object.assign(environment, parseEnvironmentFile(readFileSync(join(init.root, expand(optional ? file.slice(1) : file)), 'utf8')))
    } catch (error) {
      if (!optional) throw error
    }
  }
  const inRoot = (command: string[]): string => ['chroot', init.root, '/usr/bin/env', '-i', ...Object.entries(environment).map(([key, value]) => `${key}=${value}`), ...command].map(quote).join(' ')
  const lines = [
    'set -e',
    ...['proc', 'sys', 'dev'].map(dir => `mkdir -p ${quote(join(init.root, dir))}`),
    `mount -t proc proc ${quote(join(init.root, 'proc'))}`,
    `mount -t sysfs sysfs ${quote(join(init.root, 'sys'))}`,
    `mount --rbind /dev ${quote(join(init.root, 'dev'))}`
  ]
  const files = unit.get('Service.LimitNOFILE')?.at(-1)
  // systemd raises the hard limit too; a sandbox without CAP_SYS_RESOURCE stops at its own
  if (files !== undefined) {
    lines.push(`hard=$(ulimit -Hn); if [ "$hard" = unlimited ] || [ "$hard" -ge ${Number(files)} ]; then ulimit -Sn ${Number(files)}; else ulimit -Sn "$hard"; fi`)
  }
  for (const pre of unit.get('Service.ExecStartPre') ?? []) {
    const ignoreFailure = pre.startsWith('-')
    lines.push(`${inRoot(splitCommand(expand(ignoreFailure ? pre.slice(1) : pre)))}${ignoreFailure ? ' || true' : ''}`)
  }
  lines.push(`exec ${inRoot(splitCommand(expand(start)))}`)
  return lines.join('\n')
}
