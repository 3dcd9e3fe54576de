/** Command-line flags of the benchmarks. */

/** A flag given wrong; the message names the flag and what is expected. */
export class BenchFlagError extends Error {
  override name = 'BenchFlagError'
}

/**
 * Rejects any flag of `argv` that is neither in `valued` (then followed by its value) nor in
 * `switches`, e.g. a typo or `--help`, which would otherwise start a long run with defaults.
 *
 * @param usage - the flags as the error lists them
 * @throws BenchFlagError naming the flag
 */
export function checkFlags (argv: readonly string[], valued: readonly string[], switches: readonly string[], usage: string): void {
  for (let i = 0; i < argv.length; i++) {
    if (valued.includes(argv[i])) {
      if (argv[i + 1] === undefined || argv[i + 1].startsWith('--')) throw new BenchFlagError(`${argv[i]} needs a value`)
      i++
    } else if (!switches.includes(argv[i])) {
      throw new BenchFlagError(`unknown flag ${argv[i]} (flags: ${usage})`)
    }
  }
}

/**
 * Reads a benchmark's flags with `read`; a BenchFlagError ends the process with one line on
 * stderr (`<bench>: <message>`) and exit status 2, before anything is set up.
 */
export function readFlagsOrExit<T> (bench: string, read: () => T): T {
  try {
    return read()
  } catch (err) {
    if (!(err instanceof BenchFlagError)) throw err
    process.stderr.write(`${bench}: ${err.message}\n`)
    process.exit(2)
  }
}

/** The word after `name` in `argv`, or `undefined` when the flag is absent. */
export function flagValue (argv: readonly string[], name: string): string | undefined {
  const at = argv.indexOf(name)
  return at === -1 ? undefined : argv[at + 1]
}

export interface BenchOptions {
  /** Seconds per iperf3 run. */
  seconds: number
  /** Contenders to measure (the raw link always is). */
  contenders: string[]
  /** Ledger mesh sizes; empty with `--skip-ledger`. */
  ledgerSizes: number[]
  ledgerWrites: number
  ledgerIdleSeconds: number
  /** Mesh sizes of the scale section (real daemons at rest); empty with `--skip-scale`. */
  scaleSizes: number[]
  /** Seconds each scale mesh rests before, and is measured over. */
  scaleSettleSeconds: number
  scaleWindowSeconds: number
}

/**
 * Reads `npm run bench` flags: `--seconds N`, `--only a,b`, `--skip-ledger`, `--skip-scale`,
 * `--quick` (3-second iperf3 runs, ledger and scale at 10 nodes only, fewer writes and a shorter
 * idle window).
 *
 * @param argv - the flags, without node and script
 * @param known - contender names `--only` may pick from, in run order
 * @throws BenchFlagError on an unknown flag or a bad value
 */
export function parseBenchOptions (argv: readonly string[], known: readonly string[]): BenchOptions {
  checkFlags(argv, ['--seconds', '--only'], ['--skip-ledger', '--skip-scale', '--quick'],
    `--seconds N, --only ${known.join(',')}, --skip-ledger, --skip-scale, --quick`)
  const quick = argv.includes('--quick')
  const secondsText = flagValue(argv, '--seconds')
  const seconds = secondsText === undefined ? (quick ? 3 : 10) : Number(secondsText)
  if (!Number.isInteger(seconds) || seconds < 2 || seconds > 600) throw new BenchFlagError(`--seconds must be a whole number from 2 to 600, not ${secondsText}`)
  const onlyText = flagValue(argv, '--only')
  const picked = onlyText?.split(',').map(name => name.trim()).filter(name => name !== '')
  const unknown = picked?.filter(name => !known.includes(name)) ?? []
  if (unknown.length > 0) throw new BenchFlagError(`--only: unknown contender ${unknown.join(', ')} (known: ${known.join(', ')})`)
  if (picked?.length === 0) throw new BenchFlagError('--only needs at least one contender')
  return {
    seconds,
    contenders: known.filter(name => picked === undefined || picked.includes(name)),
    ledgerSizes: argv.includes('--skip-ledger') ? [] : quick ? [10] : [10, 50],
    ledgerWrites: quick ? 5 : 10,
    ledgerIdleSeconds: quick ? 5 : 20,
    scaleSizes: argv.includes('--skip-scale') ? [] : quick ? [10] : [10, 50, 100],
    scaleSettleSeconds: quick ? 20 : 60,
    scaleWindowSeconds: quick ? 20 : 120
  }
}
