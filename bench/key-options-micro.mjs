// What issue 15's per-request work costs on its own, in nanoseconds, for comparison with a
// whole request's CPU time (`cpu µs/req` in bench/ab.mjs): the subnet check and the option
// look-up every request does, a guest key's subnet match, and the option merge for a key
// that has options. On a loaded machine this is steadier than an A/B of two gateways.
//
//   node bench/key-options-micro.mjs [--iterations 2000000]
import { build } from 'esbuild'
import { parseArgs } from 'node:util'
import path from 'node:path'
import { ROOT } from './build.mjs'

const { values: o } = parseArgs({ options: { iterations: { type: 'string', default: '2000000' } } })
const N = Number(o.iterations)

const out = await build({
  stdin: {
    contents: [
      "export { compileSnapshot } from './gateway/runtime.ts'",
      "export { defaultConfig } from './gateway/config/load.ts'",
      "export { applyKeyOptions } from './gateway/key-options/merge.ts'",
      "export { parseJsonBody } from './gateway/proxy/body.ts'",
    ].join('\n'),
    resolveDir: ROOT,
    loader: 'ts',
  },
  bundle: true,
  platform: 'node',
  format: 'esm',
  packages: 'external',
  write: false,
})
const file = path.join(ROOT, 'node_modules', '.cache', 'corral-bench', 'key-options-micro.mjs')
const { mkdirSync, writeFileSync } = await import('node:fs')
mkdirSync(path.dirname(file), { recursive: true })
writeFileSync(file, out.outputFiles[0].text)
const m = await import(file)

const key = (id, extra = {}) => ({
  id,
  name: id,
  hash: id.padEnd(64, '0').replace(/[^0-9a-f]/g, 'a'),
  prefix: 'crl_',
  scopes: ['inference'],
  models: [],
  limits: {},
  createdAt: new Date().toISOString(),
  expiresAt: null,
  revokedAt: null,
  source: 'created',
  guest: false,
  subnet: null,
  options: {},
  keepAliveMaxSeconds: null,
  ...extra,
})
const config = m.defaultConfig()
config.keys = [
  key('plain'),
  key('guest', { guest: true, subnet: '192.168.1.0/24' }),
  key('tuned', {
    options: { num_ctx: 8192, temperature: 0.2, seed: 42 },
    keepAliveMaxSeconds: 1800,
  }),
]
const snap = m.compileSnapshot(config)
const compiled = (id) => ({ record: config.keys.find((k) => k.id === id) })
const plain = compiled('plain')
const guest = compiled('guest')
const tuned = compiled('tuned')
const body = Buffer.from(
  JSON.stringify({ model: 'llama3.2', prompt: 'Why is the sky blue?', stream: false }),
)

function time(label, fn) {
  for (let i = 0; i < N / 10; i++) fn(i) // warm-up (JIT)
  const t0 = process.hrtime.bigint()
  let sink = 0
  for (let i = 0; i < N; i++) sink += fn(i) ? 1 : 0
  const ns = Number(process.hrtime.bigint() - t0) / N
  console.log(`${label.padEnd(64)} ${ns.toFixed(1).padStart(8)} ns  (${sink > -1 ? 'ok' : ''})`)
  return ns
}

const ip = '192.168.1.37'
const lookups = time('key without options: subnet check + option look-up', () => {
  const a = snap.keyAllowedFrom(plain, ip)
  const b = snap.keyOptions(plain)
  return a && b === null
})
time('guest key bound to a /24: subnet check', () => snap.keyAllowedFrom(guest, ip))
const parse = time('parse a generate body (already done for the model check)', () =>
  m.parseJsonBody(body),
)
const merge = time('parse + merge 3 options and the keep-alive cap', () => {
  const json = m.parseJsonBody(body)
  return m.applyKeyOptions('/api/generate', json, snap.keyOptions(tuned))
})
const reserialize = time('parse + merge + JSON.stringify (when nothing else rewrote it)', () => {
  const json = m.parseJsonBody(body)
  m.applyKeyOptions('/api/generate', json, snap.keyOptions(tuned))
  return Buffer.from(JSON.stringify(json)).length > 0
})
console.log(
  `\nadded per request: ${lookups.toFixed(1)} ns without options; ` +
    `${(merge - parse).toFixed(0)} ns merge (+${(reserialize - merge).toFixed(0)} ns re-serialising) with options`,
)
