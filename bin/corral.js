#!/usr/bin/env -S node --max-semi-space-size=4
// The `corral` command. The TypeScript sources are compiled to dist/ by `npm run build`
// (run automatically by `npm install` through the `prepare` script).
// The flag caps V8's young generation at 3 × 4 MB instead of 3 × 16 MB: a gateway's garbage
// dies young, so collecting it sooner costs no measurable CPU (bench/README.md) and keeps
// ~20 MB less resident under 500 streams. `env -S` passes it on Linux and macOS; npm's
// Windows shims read it from this line too.
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
