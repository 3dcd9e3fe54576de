/**
 * @packageDocumentation
 *
 * The soak and fault tests' tools: a mesh of real `edgevpn` daemons in network namespaces
 * ({@link MeshLab}), link cuts and packet loss ({@link LinkFaults}), continuous pings
 * ({@link Pinger}), checksummed TCP transfers, and the soak itself ({@link runSoak}).
 *
 * @example
 *
 * ```ts
 * import { MeshLab, LinkFaults } from '@edgevpn/testbed/soak'
 *
 * const mesh = await MeshLab.create({ prefix: 'evtx', nodes: 3, subnet: '10.254.99', stateDir: '/tmp/x' })
 * await mesh.startAll()
 * const faults = new LinkFaults(mesh.lab)
 * await faults.cut(mesh.nodes[0].host)
 * await faults.heal(mesh.nodes[0].host)
 * await mesh.destroy()
 * ```
 */
export { MeshLab } from './mesh-lab.js'
export type { MeshLabInit, MeshNode } from './mesh-lab.js'
export { LinkFaults, linkFaultsUnavailableReason } from './link-faults.js'
export { Pinger } from './pinger.js'
export type { PingerInit } from './pinger.js'
export { startTransferServer, transfer, TRANSFER_PORT } from './transfers.js'
export { ledgerRound } from './soak-traffic.js'
export { metricSamples, sumMetric } from './prometheus-samples.js'
export type { LedgerRound } from './soak-traffic.js'
export type { TransferResult } from './transfers.js'
export { runSoak, computeSlopes, ledgerConverged } from './run-soak.js'
export type { SoakOptions, SoakReport, SoakSample, SlopeResult, PairLoss } from './run-soak.js'
export { FLOOR_WINDOW_SECONDS, LEAK_METRICS, STDERR_MARGIN, TRAFFIC_BOUNDS } from './leak-bounds.js'
export type { LeakMetric } from './leak-bounds.js'
export { fitTrend, windowMinima } from './trend.js'
export type { Point, Trend } from './trend.js'
export { formatSoakReport } from './soak-table.js'
