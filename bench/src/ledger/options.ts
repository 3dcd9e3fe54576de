/** Command-line flags of `ledger-convergence.js`. */
import { BenchFlagError, checkFlags, flagValue } from '../lib/flags.js'

export interface LedgerOptions {
  /** Mesh sizes, measured one after the other. @default [10, 50] */
  sizes: number[]
  /** Timed single writes per mesh. @default 20 */
  writes: number
  /** Length of the idle traffic window, s. @default 20 */
  idleSeconds: number
  /** Most nodes one worker process runs. @default 10 */
  nodesPerProcess: number
  /** File the rows are also written to as JSON. @default undefined (none) */
  jsonFile?: string
}

const FLAGS = ['--sizes', '--writes', '--idle-seconds', '--nodes-per-process', '--json']
const USAGE = '--sizes 10,50 --writes N --idle-seconds N --nodes-per-process N --json FILE'

/**
 * Reads the flags.
 *
 * @param argv - the flags, without node and script
 * @throws BenchFlagError on an unknown flag or a bad value
 */
export function parseLedgerOptions (argv: readonly string[]): LedgerOptions {
  checkFlags(argv, FLAGS, [], USAGE)
  const sizesText = flagValue(argv, '--sizes') ?? '10,50'
  const sizes = sizesText.split(',').map(Number)
  if (sizes.some(size => !Number.isInteger(size) || size < 2)) throw new BenchFlagError(`--sizes must be whole numbers of at least 2, comma-separated, not ${sizesText}`)
  const jsonFile = flagValue(argv, '--json')
  return {
    sizes,
    writes: wholeNumber(argv, '--writes', 20, 1),
    idleSeconds: wholeNumber(argv, '--idle-seconds', 20, 1),
    nodesPerProcess: wholeNumber(argv, '--nodes-per-process', 10, 1),
    ...(jsonFile === undefined ? {} : { jsonFile })
  }
}

function wholeNumber (argv: readonly string[], flag: string, fallback: number, min: number): number {
  const text = flagValue(argv, flag)
  if (text === undefined) return fallback
  const value = Number(text)
  if (!Number.isInteger(value) || value < min) throw new BenchFlagError(`${flag} must be a whole number of at least ${min}, not ${text}`)
  return value
}
