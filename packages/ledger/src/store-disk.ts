import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { encodeBlock, parseBlock } from './block.js'
import type { Block } from './block.js'
import type { BlockStore } from './store.js'

export interface DiskBlockStoreInit {
  /** The `--ledger-state` directory; created when missing. */
  directory: string
  /**
   * How many block files to keep. Go keeps every block forever; we delete older ones because
   * only the last block is ever read (a Go node reading this directory only needs `index` and
   * the file it names).
   *
   * @default 3
   */
  keepBlocks?: number
  /**
   * Receives one-line warnings (a corrupt block file, a failed write).
   *
   * @default console.warn
   */
  warn?: (message: string) => void
}

const INDEX_FILE = 'index'
const BLOCK_FILE = /^(0|[1-9]\d*)$/
const TEMP_SUFFIX = '.tmp'

/**
 * Go's `--ledger-state` layout: `DIR/index` holds the decimal Index of the last block and
 * `DIR/<Index>` that block's JSON, so Go edgevpn can read a directory this store wrote.
 *
 * Unlike Go, every file is replaced atomically (temporary file, fsync, rename, directory fsync),
 * old block files are pruned, and a corrupt last block falls back to the newest readable older
 * file (or to an empty store, from which the ledger starts a new genesis) with a warning.
 * Write failures are reported through `warn`; the block is still kept in memory.
 */
export class DiskBlockStore implements BlockStore {
  private readonly directory: string
  private readonly keepBlocks: number
  private readonly warn: (message: string) => void
  /** Indices of the block files on disk, oldest first. */
  private readonly files: number[] = []
  private lastBlock: Block | undefined

  constructor (init: DiskBlockStoreInit) {
    this.directory = init.directory
    this.keepBlocks = Math.max(1, init.keepBlocks ?? 3)
    this.warn = init.warn ?? ((message) => { console.warn(message) })
    mkdirSync(this.directory, { recursive: true })
    this.lastBlock = this.load()
  }

  last (): Block | undefined {
    return this.lastBlock
  }

  len (): number {
    return this.lastBlock?.index ?? 0
  }

  add (block: Block): void {
    this.lastBlock = block
    try {
      this.writeAtomically(String(block.index), encodeBlock(block))
      this.writeAtomically(INDEX_FILE, String(block.index))
      this.syncDirectory()
    } catch (err) {
      this.warn(`ledger state: cannot write block ${block.index} to ${this.directory}: ${(err as Error).message}`)
      return
    }
    const previous = this.files.indexOf(block.index)
    if (previous !== -1) this.files.splice(previous, 1)
    this.files.push(block.index)
    while (this.files.length > this.keepBlocks) {
      const old = this.files.shift() as number
      rmSync(join(this.directory, String(old)), { force: true })
    }
  }

  private load (): Block | undefined {
    const names = readdirSync(this.directory)
    for (const name of names) {
      if (name.endsWith(TEMP_SUFFIX)) rmSync(join(this.directory, name), { force: true })
    }
    this.files.push(...names.filter(name => BLOCK_FILE.test(name)).map(Number).sort((a, b) => a - b))

    const named = this.readIndex()
    const candidates = [...this.files].reverse()
    if (named !== undefined) candidates.sort((a, b) => Number(b === named) - Number(a === named))
    for (const [attempt, index] of candidates.entries()) {
      try {
        const block = parseBlock(readFileSync(join(this.directory, String(index))))
        if (attempt > 0 || (named !== undefined && named !== index)) {
          this.warn(`ledger state: using block ${index} from ${this.directory}, the last block file was missing or corrupt`)
        }
        return block
      } catch (err) {
        this.warn(`ledger state: ignoring corrupt block file ${join(this.directory, String(index))}: ${(err as Error).message}`)
      }
    }
    if (candidates.length > 0) this.warn(`ledger state: no readable block in ${this.directory}, starting from genesis`)
    return undefined
  }

  private readIndex (): number | undefined {
    try {
      const text = readFileSync(join(this.directory, INDEX_FILE), 'utf8').trim()
      return BLOCK_FILE.test(text) ? Number(text) : undefined
    } catch {
      return undefined
    }
  }

  private writeAtomically (name: string, content: string): void {
    const temp = join(this.directory, name + TEMP_SUFFIX)
    const fd = openSync(temp, 'w', 0o600)
    try {
      writeSync(fd, content)
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    renameSync(temp, join(this.directory, name))
  }

  private syncDirectory (): void {
    const fd = openSync(this.directory, 'r')
    try {
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
  }
}
