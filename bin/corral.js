#!/usr/bin/env -S node --max-semi-space-size=8 --heap-growing-percent=50
// The `corral` command. The TypeScript sources are compiled to dist/ by `npm run build`
// (run automatically by `npm install` through the `prepare` script).
// The first flag caps V8's young generation at 3 × 8 MB instead of 3 × 16 MB: a gateway's
// garbage dies young, and ~16 MB less is resident under 500 streams than with V8's default.
// 4 MB saved 4 MB more, but in a burst of 64 streamed chats a token's p99 delay was ~3 ms
// longer: twice the scavenges, each copying the burst's live requests (bench/README.md, the
// fleet burst). The second lets the old generation grow to 1.5× what survived the last full
// collection instead of up to 4×: the gateway's live heap is ~30 MB, but under 10,000
// requests a second V8 grew its heap, and the process to ~220 MB, and never gave it back;
// now ~155 MB, for ~4 % more CPU per small request and none per stream frame
// (bench/README.md, "Memory"). A growth factor, not a limit: no heap size is refused.
// `env -S` passes both on Linux and macOS; npm's Windows shims read this line too.
// Cluster workers inherit them (node:cluster forks with the primary's flags).
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
