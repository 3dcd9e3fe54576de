import type { Block } from './block.js'
import type { BlockStore } from './store.js'

/** Keeps only the last block in memory (Go `MemoryStore`). */
export class MemoryBlockStore implements BlockStore {
  private block: Block | undefined

  last (): Block | undefined {
    return this.block
  }

  add (block: Block): void {
    this.block = block
  }

  len (): number {
    return this.block?.index ?? 0
  }
}
