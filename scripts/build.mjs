// Build everything `npx corral` and the desktop app run: the gateway (Node
// ESM, one file per source file), the Electron main and preload bundles,
// and the React UI (Vite). Type checking is `npm run typecheck`, not this.
import { build } from 'esbuild'
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const dist = path.join(root, 'dist')
const only = process.argv.slice(2)
const want = (part) => only.length === 0 || only.includes(part)

function files(dir, keep) {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name)
    if (statSync(p).isDirectory()) return files(p, keep)
    return keep(name) ? [p] : []
  })
}
const sources = (dir) => files(dir, (name) => name.endsWith('.ts') && !name.endsWith('.d.ts'))

async function buildGateway() {
  rmSync(path.join(dist, 'gateway'), { recursive: true, force: true })
  await build({
    entryPoints: sources(path.join(root, 'gateway')),
    outbase: path.join(root, 'gateway'),
    outdir: path.join(dist, 'gateway'),
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'linked',
    logLevel: 'warning',
  })
  // Plain JavaScript modules (the stats writer thread's: see store-worker.mjs) run as they are.
  for (const file of files(path.join(root, 'gateway'), (name) => name.endsWith('.mjs'))) {
    const out = path.join(dist, 'gateway', path.relative(path.join(root, 'gateway'), file))
    mkdirSync(path.dirname(out), { recursive: true })
    copyFileSync(file, out)
  }
}

async function buildElectron() {
  const dir = path.join(root, 'electron')
  if (!existsSync(path.join(dir, 'main.ts'))) return
  // Fresh, so nothing an older build left there (its stats writer) gets packaged.
  rmSync(path.join(dist, 'electron'), { recursive: true, force: true })
  const common = {
    bundle: true,
    platform: 'node',
    target: 'node20',
    sourcemap: 'linked',
    logLevel: 'warning',
    // Electron itself and native or heavy packages are loaded at run time, not bundled.
    packages: 'external',
    external: ['electron'],
  }
  await build({
    ...common,
    entryPoints: [path.join(dir, 'main.ts')],
    outfile: path.join(dist, 'electron', 'main.js'),
    format: 'esm',
  })
  // No stats writer thread beside the main bundle: the stats store runs in the gateway child
  // (dist/gateway/child/main.js), whose writer thread is dist/gateway/stats/store-worker.mjs.
  // A sandboxed preload must be a single CommonJS file with no imports but electron.
  await build({
    ...common,
    packages: undefined,
    entryPoints: [path.join(dir, 'preload.ts')],
    outfile: path.join(dist, 'electron', 'preload.cjs'),
    format: 'cjs',
  })
}

async function buildRenderer() {
  if (!existsSync(path.join(root, 'renderer', 'index.html'))) return
  const { build: viteBuild } = await import('vite')
  await viteBuild({ configFile: path.join(root, 'renderer', 'vite.config.ts'), logLevel: 'warn' })
}

if (want('gateway')) await buildGateway()
if (want('electron')) await buildElectron()
if (want('renderer')) await buildRenderer()
