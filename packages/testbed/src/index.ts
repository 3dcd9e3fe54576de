/**
 * @packageDocumentation
 *
 * The test bench of edgevpn, used by the tests, the benchmarks and `npm run demo`; never
 * published. Hosts in network namespaces on one bridge ({@link createNetnsLab}) or behind NAT
 * routers ({@link createNatLab}), real `edgevpn` daemons in them ({@link LabDaemon}), pings and
 * API calls from inside a namespace, child processes that talk in JSON lines ({@link JsonLines}),
 * and the soak harness (`@edgevpn/testbed/soak`).
 *
 * @example
 *
 * ```ts
 * import { createNetnsLab, LabDaemon, pingUntilUp } from '@edgevpn/testbed'
 *
 * const lab = await createNetnsLab({ prefix: 'evex', hosts: 2, subnet: '10.254.90' })
 * const daemons = lab.hosts.map((host, i) => new LabDaemon(lab, host, { name: host.name, args: ['--address', `10.1.0.${i + 1}/24`], env: { EDGEVPNTOKEN: token } }))
 * console.log('first ping after', await pingUntilUp(lab, lab.hosts[0], '10.1.0.2', 30_000), 'ms')
 * await Promise.all(daemons.map(async daemon => await daemon.stop()))
 * await lab.destroy()
 * ```
 */

export * from './lab/netns-lab.js'
export * from './lab/lab-tools.js'
export { JsonLines } from './json-lines.js'
export type { JsonLine } from './json-lines.js'
