// The benchmark's backend: the Ollama stand-in in a process of its own, stamping every
// streamed frame with its send time. Started by bench/procs.mjs with an IPC channel:
// argv[2] is the bundled fake-ollama module, argv[3] its options as JSON. It answers
// `{ type: 'clock' }` messages with its clock, so the parent can check that the two
// processes read the same clock (see bench/clock.mjs).
import { performance } from 'node:perf_hooks'
import { pathToFileURL } from 'node:url'

/** Recorded requests are dropped this often: the stand-in keeps one per request. */
const FORGET_EVERY_MS = 1000

const [modulePath, optionsJson] = process.argv.slice(2)
const { startFakeOllama } = await import(pathToFileURL(modulePath).href)
const fake = await startFakeOllama(JSON.parse(optionsJson))
const forget = setInterval(() => fake.reset(), FORGET_EVERY_MS)
forget.unref()

process.on('message', (msg) => {
  if (msg?.type === 'clock') {
    process.send({ type: 'clock', id: msg.id, at: performance.timeOrigin + performance.now() })
  } else if (msg?.type === 'stop') {
    void fake.close().then(() => process.exit(0))
  }
})
process.on('disconnect', () => process.exit(0))
process.send({ type: 'ready', url: fake.url, pid: process.pid })
