// Summarises a V8 .cpuprofile (from `node --cpu-prof`, e.g. `npm run bench -- --cpu-prof`):
// the functions with the most self time, and the most total (self + callees) time.
//
//   node bench/profile-summary.mjs <file.cpuprofile> [top=30] [filter]
import { readFileSync } from 'node:fs'

const [file, topArg = '30', filter = ''] = process.argv.slice(2)
if (!file) {
  process.stderr.write('usage: node bench/profile-summary.mjs <file.cpuprofile> [top] [filter]\n')
  process.exit(2)
}
const profile = JSON.parse(readFileSync(file, 'utf8'))
const top = Number(topArg)
const nodes = new Map(profile.nodes.map((n) => [n.id, n]))
const parent = new Map()
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)

// Time per sample: the gap to the next sample.
const self = new Map()
const { samples, timeDeltas } = profile
for (let i = 0; i < samples.length; i++) {
  const dt = (timeDeltas[i + 1] ?? 0) / 1000
  self.set(samples[i], (self.get(samples[i]) ?? 0) + dt)
}
const total = [...self.values()].reduce((a, b) => a + b, 0)

const label = (n) => {
  const f = n.callFrame
  const where = f.url ? `${f.url.replace(/^.*\/(node_modules\/)?/, '')}:${f.lineNumber + 1}` : ''
  return `${f.functionName || '(anonymous)'} ${where}`.trim()
}
const selfBy = new Map()
const totalBy = new Map()
for (const [id, ms] of self) {
  const n = nodes.get(id)
  selfBy.set(label(n), (selfBy.get(label(n)) ?? 0) + ms)
  // Count each function once per stack (recursion).
  const seen = new Set()
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const l = label(nodes.get(cur))
    if (seen.has(l)) continue
    seen.add(l)
    totalBy.set(l, (totalBy.get(l) ?? 0) + ms)
  }
}
const show = (title, map) => {
  process.stdout.write(`\n${title} (of ${total.toFixed(0)} ms sampled)\n`)
  const rows = [...map]
    .filter(([l]) => l.includes(filter))
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
  for (const [l, ms] of rows) {
    process.stdout.write(
      `${ms.toFixed(1).padStart(9)} ms ${((ms / total) * 100).toFixed(1).padStart(5)}%  ${l}\n`,
    )
  }
}
show('self time', selfBy)
show('total time', totalBy)
