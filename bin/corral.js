#!/usr/bin/env node
// The `corral` command. The TypeScript sources are compiled to dist/ by `npm run build`
// (run automatically by `npm install` through the `prepare` script).
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const cli = new URL('../dist/gateway/cli.js', import.meta.url)
if (!existsSync(fileURLToPath(cli))) {
  process.stderr.write('corral: not built yet. Run `npm install` (or `npm run build`) first.\n')
  process.exit(1)
}
const { main } = await import(cli.href)
const code = await main(process.argv.slice(2))
if (code !== 0) process.exitCode = code
