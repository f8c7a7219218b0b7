// A bounded fuzz run against the live gateway: random and mutated requests
// from a corpus, over raw sockets. No crash, no 5xx of the gateway's own, no
// error logged, memory flat. CORRAL_FUZZ_ITERATIONS runs it longer,
// CORRAL_FUZZ_SEED replays a run.
import type { IncomingMessage, ServerResponse } from 'node:http'
import v8 from 'node:v8'
import vm from 'node:vm'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { request } from 'undici'
import { startTestGateway, type TestGateway } from '../support/gateway.js'
import { rawExchange } from '../support/raw-http.js'
import { corpus, mutate, rng } from '../support/fuzz.js'
import { createLogger } from '../../gateway/util/logger.js'

const ITERATIONS = Number(process.env.CORRAL_FUZZ_ITERATIONS ?? 1000)
const SEED = Number(process.env.CORRAL_FUZZ_SEED ?? Date.now() % 1_000_000)
const WORKERS = 8
const WARMUP = Math.min(200, Math.floor(ITERATIONS / 4))

v8.setFlagsFromString('--expose-gc')
const gc = vm.runInNewContext('gc') as () => void

const logLines: string[] = []
let gw: TestGateway
let port: number
const fiveHundreds: string[] = []
let served = 0
const byStatus = new Map<number, number>()

beforeAll(async () => {
  gw = await startTestGateway({
    backends: [{ frames: 2, frameIntervalMs: 0 }],
    key: { scopes: ['inference', 'metrics'] },
    config: (c) => {
      c.balancer.healthIntervalMs = 600_000
      c.server.bodyLimitBytes = 64 * 1024
      c.server.headersTimeoutMs = 1000
      c.server.requestTimeoutMs = 2000
      c.limits.enabled = false
    },
    start: { logger: createLogger({ level: 'warn', write: (l) => logLines.push(l) }) },
  })
  port = Number(new URL(gw.url).port)
  // Watch every answer the HTTP server gives, beside Fastify (which sees only routed ones).
  gw.running.gateway()!.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    res.once('finish', () => {
      served += 1
      byStatus.set(res.statusCode, (byStatus.get(res.statusCode) ?? 0) + 1)
      if (res.statusCode >= 500)
        fiveHundreds.push(
          `${res.statusCode} ${req.method} ${req.url} ${JSON.stringify(req.headers).slice(0, 300)}`,
        )
    })
  })
})
afterAll(() => gw.close())

function heapMb(): number {
  gc()
  gc()
  return process.memoryUsage().heapUsed / 1e6
}

test(
  `${ITERATIONS} mutated requests: no crash, no 5xx, nothing logged, memory flat (seed ${SEED})`,
  { timeout: 60_000 + ITERATIONS * 50 },
  async () => {
    const seeds = corpus(gw.key)
    const random = rng(SEED)
    const inputs = Array.from({ length: ITERATIONS }, (_, i) =>
      i % 10 === 0 ? seeds[i % seeds.length]! : mutate(random, seeds),
    )
    let next = 0
    let baseline = 0
    const worker = async () => {
      while (next < inputs.length) {
        const i = next++
        if (i === WARMUP) baseline = heapMb()
        const input = inputs[i]!
        const expected = input.split(/ HTTP\/1\.[01]\r?\n/).length - 1
        // Read until each request's answer arrived, or briefly: an incomplete request waits for a timeout.
        await rawExchange(port, Buffer.from(input, 'latin1'), {
          timeoutMs: 150,
          responses: Math.max(1, expected),
        }).catch(() => null)
      }
    }
    await Promise.all(Array.from({ length: WORKERS }, worker))

    // Still alive and serving.
    const res = await request(`${gw.url}/api/version`, {
      headers: { authorization: `Bearer ${gw.key}` },
    })
    expect(res.statusCode).toBe(200)
    await res.body.dump()
    console.info(
      `fuzz seed ${SEED}: ${served} answers by status`,
      Object.fromEntries([...byStatus].sort((a, b) => a[0] - b[0])),
    )
    // The corpus reaches the proxy, not only the parser's and the key check's refusals.
    expect(byStatus.get(200) ?? 0).toBeGreaterThan(ITERATIONS / 20)
    expect(served).toBeGreaterThan(ITERATIONS / 4)
    expect(fiveHundreds, `seed ${SEED}`).toEqual([])
    expect(
      logLines.filter((l) => /error/i.test(l)),
      `seed ${SEED}`,
    ).toEqual([])
    // Let abandoned requests time out and close, then compare the heap.
    await new Promise((r) => setTimeout(r, 2500))
    const grown = heapMb() - baseline
    expect(grown, `heap grew ${grown.toFixed(1)} MB (seed ${SEED})`).toBeLessThan(24)
  },
)
