/**
 * What npm would receive of each package (`npm pack --dry-run`): the library and its README, never
 * the test tooling (specs, fixtures, the namespace lab, soak or demo), which lives in the private
 * `@edgevpn/testbed`; and no published package depends on that private one.
 */
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

const ROOT = new URL('../', import.meta.url)
const TEST_TOOLING = /(^|\/)(test|fixtures|lab|soak|demo)\/|\.spec\.|(^|\/)obj\.target\/|\.o$/

interface Manifest {
  name: string
  private?: boolean
  dependencies?: Record<string, string>
}

const packages = readdirSync(new URL('packages/', ROOT)).map(dir => ({
  dir,
  manifest: JSON.parse(readFileSync(new URL(`packages/${dir}/package.json`, ROOT), 'utf8')) as Manifest
}))
const published = packages.filter(({ manifest }) => manifest.private !== true)

function packedFiles (dir: string): string[] {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--workspace', `packages/${dir}`], {
    cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore']
  })
  return (JSON.parse(out) as Array<{ files: Array<{ path: string }> }>)[0].files.map(file => file.path)
}

describe('npm packages', () => {
  it('publishes every package but the test bench', () => {
    expect(packages.filter(({ manifest }) => manifest.private === true).map(({ manifest }) => manifest.name)).toEqual(['@edgevpn/testbed'])
  })

  it.each(published.map(({ dir }) => dir))('%s packs its library and README, no test tooling', (dir) => {
    const files = packedFiles(dir)
    expect(files).toContain('README.md')
    expect(files.filter(file => TEST_TOOLING.test(file))).toEqual([])
  }, 60_000)

  it('keeps the published packages off the private test bench', () => {
    for (const { manifest } of published) expect(Object.keys(manifest.dependencies ?? {}), manifest.name).not.toContain('@edgevpn/testbed')
  })
})
