/** How the ledger benchmark lays its mesh out: which process runs which node, and who dials whom. */

/** Where a node of the mesh runs. */
export interface NodePlace {
  /** Index of its worker process. */
  worker: number
  /** Index among that worker's nodes. */
  local: number
}

/**
 * Spreads `nodes` over as few processes as hold at most `perProcess` each, as evenly as possible
 * (12 nodes at 10 per process: 6 + 6, not 10 + 2), so no event loop carries more than its share.
 *
 * @returns the node count of each process
 */
export function splitIntoProcesses (nodes: number, perProcess: number): number[] {
  const processes = Math.ceil(nodes / perProcess)
  const base = Math.floor(nodes / processes)
  return Array.from({ length: processes }, (_, i) => base + (i < nodes % processes ? 1 : 0))
}

/** Node `i` of the mesh in process order: the first process's nodes come first. */
export function placeNodes (counts: number[]): NodePlace[] {
  return counts.flatMap((count, worker) => Array.from({ length: count }, (_, local) => ({ worker, local })))
}

/**
 * For each node, up to `fanout` distinct earlier nodes to dial, picked at random: the mesh is
 * connected (every node links to the ones before it) and sparse, several hops across.
 *
 * @param random - returns a number in [0, 1) @default Math.random
 */
export function dialTargets (nodes: number, fanout: number, random: () => number = Math.random): number[][] {
  return Array.from({ length: nodes }, (_, node) => {
    const earlier = Array.from({ length: node }, (_, i) => i)
    // Partial Fisher-Yates: the first `fanout` places hold a uniform sample.
    const picks = Math.min(fanout, node)
    for (let i = 0; i < picks; i++) {
      const j = i + Math.floor(random() * (node - i))
      ;[earlier[i], earlier[j]] = [earlier[j], earlier[i]]
    }
    return earlier.slice(0, picks)
  })
}
