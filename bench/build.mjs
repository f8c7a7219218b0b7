// Bundles what the benchmark runs in child processes: the `corral` command (from the
// TypeScript sources, as they are now), with the stats writer thread's script beside it,
// and the Ollama stand-in. The bundles go to node_modules/.cache/corral-bench/ (a labelled
// build to a folder of its own there, its writer thread beside it), so packages resolve from
// the repo's node_modules and dist/ (which every test run rebuilds) is never touched while a
// benchmark runs from it.
import { build } from 'esbuild'
import { existsSync, mkdirSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
export const CACHE_DIR = path.join(ROOT, 'node_modules', '.cache', 'corral-bench')

const COMMON = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
}

/**
 * The stats writer thread's script (gateway/stats/store-worker.mjs) bundled into `dir`, where
 * a bundle of the store there looks for it. Sources from before the thread have none.
 */
export async function buildStatsWorker(dir, sourceRoot = ROOT) {
  const entry = path.join(sourceRoot, 'gateway', 'stats', 'store-worker.mjs')
  if (!existsSync(entry)) return
  await build({ ...COMMON, entryPoints: [entry], outfile: path.join(dir, 'store-worker.mjs') })
}

/**
 * Builds both bundles; returns their paths. A `label` names the gateway bundle
 * (`<label>/corral-<label>.mjs`), so bundles of different versions can be compared
 * (bench/ab.mjs); `sourceRoot` builds the gateway from another copy of the sources (e.g. with
 * a change undone).
 */
export async function buildBundles(label = '', sourceRoot = ROOT) {
  const dir = label ? path.join(CACHE_DIR, label) : CACHE_DIR
  mkdirSync(dir, { recursive: true })
  const corral = path.join(dir, label ? `corral-${label}.mjs` : 'corral.mjs')
  const fakeOllama = path.join(CACHE_DIR, 'fake-ollama.mjs')
  await build({
    ...COMMON,
    stdin: {
      // What bin/corral.js does, over the sources instead of dist/.
      contents: [
        "import { main } from './gateway/cli.ts'",
        'const code = await main(process.argv.slice(2))',
        'if (code !== 0) process.exitCode = code',
      ].join('\n'),
      resolveDir: sourceRoot,
      sourcefile: 'corral-bench-entry.ts',
      loader: 'ts',
    },
    outfile: corral,
  })
  await buildStatsWorker(dir, sourceRoot)
  await build({
    ...COMMON,
    entryPoints: [path.join(ROOT, 'test', 'support', 'fake-ollama.ts')],
    outfile: fakeOllama,
  })
  return { corral, fakeOllama }
}

// `node bench/build.mjs [label] [sourceRoot]`
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const built = await buildBundles(process.argv[2] ?? '', path.resolve(process.argv[3] ?? ROOT))
  process.stdout.write(`${built.corral}\n${built.fakeOllama}\n`)
}
