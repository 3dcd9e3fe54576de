import type { Block } from './block.js'

/** Where a ledger keeps its last block. Only the last block is ever read back. */
export interface BlockStore {
  /** The last block added, or undefined when the store is empty. */
  last(): Block | undefined
  add(block: Block): void
  /** Go `Store.Len`: the last block's Index (0 when empty or at genesis), not a count. */
  len(): number
}
