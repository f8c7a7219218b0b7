// `npm run test:desktop-smoke`: the packaged app under Electron (test/desktop-smoke). No
// Electron fake here (no setup file): the app is the real one.
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/desktop-smoke/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
    reporters: ['default'],
  },
})
