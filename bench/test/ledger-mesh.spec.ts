import { describe, expect, it } from 'vitest'
import { ConvergenceTimeoutError, ConvergenceTracker } from '../src/ledger/convergence-tracker.js'
import { loopbackTransmittedBytes } from '../src/ledger/loopback.js'
import { dialTargets, placeNodes, splitIntoProcesses } from '../src/ledger/mesh-plan.js'
import { parseLedgerOptions } from '../src/ledger/options.js'
import { encodeMessage, parseCoordinatorMessage, parseWorkerMessage, WorkerProtocolError } from '../src/ledger/protocol.js'
import { BenchFlagError } from '../src/lib/flags.js'

describe('splitIntoProcesses', () => {
  it.each([
    [50, 10, [10, 10, 10, 10, 10]],
    [10, 10, [10]],
    [12, 10, [6, 6]],
    [51, 10, [9, 9, 9, 8, 8, 8]],
    [3, 1, [1, 1, 1]]
  ])('%i nodes at most %i per process: %j', (nodes, perProcess, counts) => {
    expect(splitIntoProcesses(nodes, perProcess)).toEqual(counts)
  })
})

describe('placeNodes', () => {
  it('numbers the nodes process by process', () => {
    expect(placeNodes([2, 1])).toEqual([{ worker: 0, local: 0 }, { worker: 0, local: 1 }, { worker: 1, local: 0 }])
  })
})

describe('dialTargets', () => {
  it('gives each node up to three distinct earlier nodes', () => {
    const targets = dialTargets(50, 3)
    expect(targets[0]).toEqual([])
    expect(targets[1]).toEqual([0])
    expect(targets[2].sort()).toEqual([0, 1])
    for (const [node, picks] of targets.entries()) {
      expect(picks).toHaveLength(Math.min(3, node))
      expect(new Set(picks).size).toBe(picks.length)
      for (const target of picks) expect(target).toBeLessThan(node)
    }
  })

  it('can pick any earlier node', () => {
    expect(dialTargets(10, 3, () => 0.999)[9]).toEqual([8, 0, 1])
    expect(dialTargets(10, 3, () => 0)[9]).toEqual([0, 1, 2])
  })
})

describe('loopbackTransmittedBytes', () => {
  const procNetDev = [
    'Inter-|   Receive                                                |  Transmit',
    ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
    '    lo:  123456     100    0    0    0     0          0         0   654321     100    0    0    0     0       0          0',
    '  eth0:       1       1    0    0    0     0          0         0        2       1    0    0    0     0       0          0'
  ].join('\n')

  it('reads the transmitted bytes of lo', () => {
    expect(loopbackTransmittedBytes(procNetDev)).toBe(654321)
  })

  it('is NaN without a loopback line', () => {
    expect(loopbackTransmittedBytes('')).toBeNaN()
  })
})

describe('parseLedgerOptions', () => {
  it('has defaults', () => {
    expect(parseLedgerOptions([])).toEqual({ sizes: [10, 50], writes: 20, idleSeconds: 20, nodesPerProcess: 10 })
  })

  it('reads every flag', () => {
    expect(parseLedgerOptions(['--sizes', '10,50', '--writes', '10', '--idle-seconds', '5', '--nodes-per-process', '5', '--json', '/tmp/x.json']))
      .toEqual({ sizes: [10, 50], writes: 10, idleSeconds: 5, nodesPerProcess: 5, jsonFile: '/tmp/x.json' })
  })

  it.each([
    [['--sizes', '10,x'], /--sizes must be whole numbers/],
    [['--sizes', '1'], /--sizes must be whole numbers of at least 2/],
    [['--writes', '0'], /--writes must be a whole number of at least 1, not 0/],
    [['--nodes-per-process', '2.5'], /--nodes-per-process must be a whole number/],
    [['--idle-seconds'], /--idle-seconds needs a value/],
    [['--fast', '1'], /unknown flag --fast/]
  ])('refuses %j', (argv, message) => {
    expect(() => parseLedgerOptions(argv)).toThrow(BenchFlagError)
    expect(() => parseLedgerOptions(argv)).toThrow(message)
  })
})

describe('worker protocol', () => {
  it('round-trips requests, answers and events as single lines', () => {
    const request = { id: 3, request: { op: 'put' as const, node: 1, key: 'w0', value: 0 } }
    const line = encodeMessage(request)
    expect(line.endsWith('\n')).toBe(true)
    expect(line.trimEnd()).not.toContain('\n')
    expect(parseCoordinatorMessage(line)).toEqual(request)
    expect(parseWorkerMessage(encodeMessage({ id: 3, result: { at: 12.5 } }))).toEqual({ id: 3, result: { at: 12.5 } })
    expect(parseWorkerMessage(encodeMessage({ id: 4, error: 'no node 9' }))).toEqual({ id: 4, error: 'no node 9' })
    expect(parseWorkerMessage(encodeMessage({ seen: 'w0', at: 99 }))).toEqual({ seen: 'w0', at: 99 })
  })

  it.each(['not json', '[1]', '{"id":1,"request":{"op":"format-disk"}}', '{"request":{"op":"count","key":"k"}}'])('refuses the request %s', line => {
    expect(() => parseCoordinatorMessage(line)).toThrow(WorkerProtocolError)
  })

  it.each(['{}', '{"id":1}', '{"seen":"k"}', 'null'])('refuses the worker message %s', line => {
    expect(() => parseWorkerMessage(line)).toThrow(WorkerProtocolError)
  })
})

describe('ConvergenceTracker', () => {
  it('resolves once every worker reported, with the latest time', async () => {
    const tracker = new ConvergenceTracker(3)
    const everywhere = tracker.everywhere('k', 10_000)
    tracker.record(0, 'k', 5)
    tracker.record(2, 'k', 9)
    tracker.record(2, 'other', 100)
    tracker.record(1, 'k', 7)
    await expect(everywhere).resolves.toBe(9)
  })

  it('answers at once for a key reported before the wait', async () => {
    const tracker = new ConvergenceTracker(1)
    tracker.record(0, 'k', 3)
    await expect(tracker.everywhere('k', 1)).resolves.toBe(3)
  })

  it('does not count a worker twice', async () => {
    const tracker = new ConvergenceTracker(2)
    tracker.record(0, 'k', 1)
    tracker.record(0, 'k', 2)
    await expect(tracker.everywhere('k', 50)).rejects.toThrow(ConvergenceTimeoutError)
    await expect(tracker.everywhere('k', 50)).rejects.toThrow(/1\/2 processes/)
  })

  it('ends current and later waits when it fails', async () => {
    const tracker = new ConvergenceTracker(2)
    const waiting = tracker.everywhere('k', 10_000)
    tracker.fail(new Error('worker 1 exited (1)'))
    await expect(waiting).rejects.toThrow('worker 1 exited (1)')
    await expect(tracker.everywhere('other', 10_000)).rejects.toThrow('worker 1 exited (1)')
  })
})
