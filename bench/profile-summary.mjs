// Summarises a V8 .cpuprofile (from `node --cpu-prof`, e.g. `npm run bench -- --cpu-prof`):
// the functions with the most self time, and the most total (self + callees) time.
//
//   node bench/profile-summary.mjs <file.cpuprofile> [top=30] [filter]
//   node bench/profile-summary.mjs <file.cpuprofile> --pieces [µs per frame or request]
//
// --pieces splits the busy (non-idle) time into the pieces of a relay (see PIECES), each
// sample going to the innermost function on its stack that some piece claims; given the
// CPU time per frame that `bench/ab.mjs` measured, it also prints each piece's share of it.
import { readFileSync } from 'node:fs'

const args = process.argv.slice(2)
const pieces = args.includes('--pieces')
const [file, topArg = '30', filter = ''] = args.filter((a) => a !== '--pieces')
if (!file) {
  process.stderr.write(
    'usage: node bench/profile-summary.mjs <file.cpuprofile> [top] [filter] | --pieces [µs]\n',
  )
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
/**
 * The pieces of a relayed frame, tried on each stack frame from the innermost out; the
 * first that claims one takes the sample. Native send calls count as the system call.
 */
const PIECES = [
  [
    'system calls: send (write, writev)',
    /^(writev|writeBuffer|writeUtf8String|writeLatin1String)$/,
  ],
  [
    'module loading (start-up)',
    /^(wrapSafe|compileForInternalLoader|readFileUtf8|openFileHandle) /,
  ],
  ['other native calls', /^[\w$]+$/],
  ['garbage collector', /^\(garbage collector\)/],
  [
    'usage tap',
    /^(onChunk|push|onLine|emit|readCounts) .*corral|usage-tap|line-splitter|json-scan/,
  ],
  [
    "Node's response writing (ServerResponse, chunked framing, net.Socket)",
    /_http_outgoing|_http_server|^(Socket\._write\w*|writevGeneric|writeGeneric|createWriteWrap|handleWriteReq|afterWriteDispatched|onwrite|Writable\.\w+|_write|writeOrBuffer|clearBuffer|doWrite|connectionCorkNT|_unrefTimer) /,
  ],
  [
    'relay (exchange, HTTP/1.1 reader, upstream pool)',
    /^(feed|onData|onEnd|onClose|onTimeout|readHead|readBody|parseHead|headEnd|framingOf|startAnswer|data|raw|sizeLine|complete|fail|finish|drained|pauseForClient|send|requestHead|acquire|release|connect|proxyUpstream|onResponse\w*|onRequestStart) .*corral/,
  ],
  [
    'undici (client, llhttp parse)',
    /undici|client-h1|client\.js|request\.js|unwrap-handler|pool|agent\.js|dispatcher|wasm/,
  ],
  [
    'socket reads (libuv to JS, Readable)',
    /^(onStreamRead|Readable\.\w+|readableAddChunk\w*|emitReadable\w*|addChunk) /,
  ],
  [
    'per-request work (routing, checks, dispatch, stats)',
    /corral|fastify|avvio|find-my-way|prom-client/,
  ],
  [
    'timers, ticks, events (unattributed)',
    /^(processTicksAndRejections|processTimers|listOnTimeout|processImmediate|runMicrotasks|emit|nextTick|insert) /,
  ],
  ['(program): V8 and libuv outside JS', /^\(program\)/],
]

if (pieces) {
  const perFrameUs = Number(topArg)
  const byPiece = new Map()
  let busy = 0
  for (const [id, ms] of self) {
    if (label(nodes.get(id)) === '(idle)') continue
    busy += ms
    let piece = 'other'
    for (let cur = id; cur !== undefined && piece === 'other'; cur = parent.get(cur)) {
      const l = label(nodes.get(cur))
      const hit = PIECES.find(([, re]) => re.test(l))
      if (hit) piece = hit[0]
    }
    byPiece.set(piece, (byPiece.get(piece) ?? 0) + ms)
  }
  process.stdout.write(`busy ${busy.toFixed(0)} ms of ${total.toFixed(0)} ms sampled\n`)
  for (const [piece, ms] of [...byPiece].sort((a, b) => b[1] - a[1])) {
    const share = ms / busy
    const us = Number.isFinite(perFrameUs)
      ? `${(share * perFrameUs).toFixed(1).padStart(6)} µs`
      : ''
    process.stdout.write(`${(share * 100).toFixed(1).padStart(5)}% ${us}  ${piece}\n`)
  }
} else {
  show('self time', selfBy)
  show('total time', totalBy)
}
