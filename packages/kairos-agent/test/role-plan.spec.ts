import { describe, expect, it } from 'vitest'
import { parseRoleList, planRoles } from '../src/index.js'

// FNV-1a 32: b (0xe70c2de5) > c (0xe60c2c52) > a (0xe40c292c) > d (0xe10c2473)

/** The ledger after a plan is written. */
function applied (current: Map<string, string>, changes: Map<string, string>): Map<string, string> {
  return new Map([...current, ...changes])
}

describe('planRoles (the leader\'s scheduling)', () => {
  it('gives a fresh cluster one master (largest hash) and makes everybody else a worker', () => {
    const plan = planRoles(['a', 'b', 'c', 'd'], new Map())
    expect(plan.master).toBe('b')
    expect(plan.changes).toEqual(new Map([['b', 'master'], ['a', 'worker'], ['c', 'worker'], ['d', 'worker']]))
  })

  it('is level-triggered: the same input gives the same plan in any order, and an applied plan gives no changes', () => {
    const first = planRoles(['d', 'c', 'b', 'a'], new Map())
    expect(planRoles(['a', 'b', 'c', 'd'], new Map())).toEqual(first)
    expect(planRoles(['a', 'b', 'c', 'd'], applied(new Map(), first.changes)).changes.size).toBe(0)
  })

  it('keeps an advertizing master and assigns only the newcomers', () => {
    const current = new Map([['a', 'master'], ['c', 'worker']])
    const plan = planRoles(['a', 'b', 'c'], current)
    expect(plan.master).toBe('a')
    expect(plan.changes).toEqual(new Map([['b', 'worker']]))
  })

  it('re-writes an assignment that is missing from the ledger (a lost write)', () => {
    const current = new Map([['b', 'master'], ['a', 'worker']])
    expect(planRoles(['a', 'b', 'c'], current).changes).toEqual(new Map([['c', 'worker']]))
  })

  it('replaces a master that stopped advertizing, preferring an unassigned node, and demotes the old one', () => {
    const current = new Map([['b', 'master'], ['a', 'worker']])
    const plan = planRoles(['a', 'd'], current)
    expect(plan.master).toBe('d')
    expect(plan.changes).toEqual(new Map([['d', 'master'], ['b', 'worker']]))
  })

  it('promotes a worker when no node is unassigned', () => {
    const current = new Map([['b', 'master'], ['a', 'worker'], ['c', 'worker']])
    const plan = planRoles(['a', 'c'], current)
    expect(plan.master).toBe('c')
    expect(plan.changes).toEqual(new Map([['c', 'master'], ['b', 'worker']]))
  })

  it('resolves two advertizing masters (a healed split) to one', () => {
    const plan = planRoles(['a', 'c'], new Map([['a', 'master'], ['c', 'master']]))
    expect(plan.master).toBe('c')
    expect(plan.changes).toEqual(new Map([['a', 'worker']]))
  })

  it('leaves roles a node pinned itself alone, and has no master when nobody can be one', () => {
    const plan = planRoles(['a', 'b'], new Map([['a', 'gateway'], ['b', 'gateway,monitor']]))
    expect(plan).toEqual({ master: undefined, changes: new Map() })
  })
})

describe('parseRoleList', () => {
  it('splits comma-separated role values', () => {
    expect(parseRoleList('master')).toEqual(['master'])
    expect(parseRoleList(' worker, gateway ,')).toEqual(['worker', 'gateway'])
    expect(parseRoleList('')).toEqual([])
  })
})
