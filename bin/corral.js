#!/usr/bin/env -S node --max-semi-space-size=8 --min-semi-space-size=4 --heap-growing-percent=50
// The `corral` command. The TypeScript sources are compiled to dist/ by `npm run build`
// (run automatically by `npm install` through the `prepare` script).
// The first flag caps V8's young generation at 3 × 8 MB instead of 3 × 16 MB: a gateway's
// garbage dies young, and ~16 MB less is resident under 500 streams than with V8's default.
// 4 MB saved 4 MB more, but in a burst of 64 streamed chats a token's p99 delay was ~3 ms
// longer: twice the scavenges, each copying the burst's live requests (bench/README.md, the
// fleet burst). The second keeps it from shrinking below 4 MB a semi-space (V8's own floor
// is 1 MB). After a quiet spell of seconds V8 finds the allocation rate low (under 1,000
// bytes/ms, V8 heap.cc's new-space resizing) and shrinks it, and a team's next burst of
// streamed chats paid for growing it back. Pinned A/Bs of the same bundle, 64 chats of 60
// tokens, with a floor of 4 or 8 MB: the first byte 4.5 to 11 ms sooner and a token's p99
// delay 1.4 to 6.5 ms shorter. V8 touches the floor's pages only as it allocates, so at most
// 3 MB more a semi-space stay resident; memory runs were too noisy to show it (bench/README.md,
// "The young generation's floor"). The Dockerfile's CMD repeats all three flags. The third
// lets the old generation grow to 1.5× what survived the last full collection instead of up
// to 4×: the gateway's live heap is ~30 MB, but under 10,000 requests a second V8 grew
// its heap, and the process to ~220 MB, and never gave it back; now ~155 MB, for ~4 % more
// CPU per small request and none per stream frame (bench/README.md, "Memory"). A growth
// factor, not a limit: no heap size is refused.
// `env -S` passes all three on Linux and macOS; npm's Windows shims read this line too.
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
