import { defineConfig } from 'vitest/config'

export default defineConfig({
  resolve: {
    // Tests import workspace packages from their TypeScript sources; spawned daemons use dist/.
    conditions: ['source']
  },
  test: {
    include: ['packages/*/test/**/*.spec.ts', 'bench/test/**/*.spec.ts', 'test/**/*.spec.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Multi-process and network-namespace tests share the machine; run files one at a time.
    fileParallelism: false,
    reporters: ['default']
  }
})
