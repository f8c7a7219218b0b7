// A backend that dies mid-stream, refuses connections, hangs before its
// headers or answers garbage: the client gets a clear, prompt error in its
// dialect (or another backend's answer), and the gateway keeps serving.
import net from 'node:net'
import { afterEach, describe, expect, test } from 'vitest'
import { request } from 'undici'
import { startTestGateway, type TestGateway } from '../support/gateway.js'
import { createLogger } from '../../gateway/util/logger.js'

const open: TestGateway[] = []
const logLines: string[] = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((g) => g.close()))
})

async function gateway(opts: Parameters<typeof startTestGateway>[0] = {}) {
  const g = await startTestGateway({
    ...opts,
    start: { logger: createLogger({ level: 'error', write: (l) => logLines.push(l) }) },
    config: (c) => {
      c.balancer.healthIntervalMs = 600_000
      c.server.upstreamHeadersTimeoutMs = 1000
      c.server.upstreamIdleTimeoutMs = 1000
      opts.config?.(c)
    },
  })
  open.push(g)
  return g
}

async function chat(g: TestGateway, path = '/api/chat', stream = true) {
  const t0 = Date.now()
  const res = await request(`${g.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${g.key}` },
    body: JSON.stringify({
      model: 'llama3.2',
      messages: [{ role: 'user', content: 'hi' }],
      stream,
    }),
  })
  const text = await res.body.text()
  return { status: res.statusCode, text, ms: Date.now() - t0 }
}

/** A port on 127.0.0.1 that nothing listens on. */
async function deadPort(): Promise<number> {
  const s = net.createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  const port = (s.address() as net.AddressInfo).port
  await new Promise((r) => s.close(r))
  return port
}

describe('a backend killed in the middle of a stream', () => {
  test('the client gets the frames so far, then an error frame in its dialect, and the stream ends', async () => {
    const g = await gateway({ backends: [{ frames: 20, frameIntervalMs: 30 }] })
    const res = await request(`${g.url}/api/chat`, {
      method: 'POST',
      headers: { authorization: `Bearer ${g.key}` },
      body: JSON.stringify({ model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }] }),
    })
    const lines: string[] = []
    let killed = false
    let rest = ''
    for await (const chunk of res.body) {
      rest += String(chunk)
      const parts = rest.split('\n')
      rest = parts.pop()!
      lines.push(...parts.filter(Boolean))
      if (!killed && lines.length >= 3) {
        killed = true
        void g.fakes[0]!.kill()
      }
    }
    expect(res.statusCode).toBe(200)
    expect(lines.length).toBeLessThan(20)
    expect(JSON.parse(lines.at(-1)!)).toEqual({
      error: 'the backend stopped in the middle of the response',
    })
  })

  test('on /v1 the error arrives as an SSE event, and the next request goes to the other backend', async () => {
    const g = await gateway({ backends: [{ frames: 20, frameIntervalMs: 30 }, { frames: 3 }] })
    const paths = ['/v1/chat/completions']
    g.fakes[0]!.fault({ kind: 'break-mid-stream', afterFrames: 2 }, { paths })
    g.fakes[1]!.fault({ kind: 'break-mid-stream', afterFrames: 2 }, { paths })
    const broken = await chat(g, '/v1/chat/completions')
    expect(broken.status).toBe(200)
    const events = broken.text.split('\n\n').filter(Boolean)
    expect(JSON.parse(events.at(-1)!.replace(/^data: /, ''))).toMatchObject({
      error: { code: 'corral_err_stream_broken', type: 'server_error' },
    })
    await g.fakes[0]!.kill()
    g.fakes[1]!.fault(null)
    for (let i = 0; i < 3; i++) {
      const ok = await chat(g, '/v1/chat/completions')
      expect(ok.status, ok.text).toBe(200)
      expect(ok.text).toContain('data: [DONE]')
    }
  })

  test('a fixed-length answer cut short reaches the client as a cut, not as a whole answer', async () => {
    const g = await gateway()
    g.fakes[0]!.fault({ kind: 'break-mid-stream', afterFrames: 0 }, { times: 2 })
    const res = await request(`${g.url}/api/show`, {
      method: 'POST',
      headers: { authorization: `Bearer ${g.key}` },
      body: JSON.stringify({ model: 'llama3.2' }),
    })
    await expect(res.body.text()).rejects.toThrow()
  })
})

describe('a backend that refuses connections', () => {
  test('alone: 502 or 503 at once, in the dialect of the path', async () => {
    const g = await gateway()
    const port = await deadPort()
    await g.running.corral.update((c) => void (c.backends[0]!.url = `http://127.0.0.1:${port}`))
    const res = await chat(g, '/v1/chat/completions', false)
    expect([502, 503]).toContain(res.status)
    expect(JSON.parse(res.text)).toMatchObject({ error: { type: 'server_error' } })
    expect(res.ms).toBeLessThan(2000)
  })

  test('next to a healthy one: the request is answered by the healthy one', async () => {
    const g = await gateway({ backends: 2 })
    const port = await deadPort()
    await g.running.corral.update((c) => void (c.backends[0]!.url = `http://127.0.0.1:${port}`))
    for (let i = 0; i < 4; i++) {
      const res = await chat(g, '/api/chat', false)
      expect(res.status).toBe(200)
      expect(res.text).toContain('b1-tok')
    }
  })
})

describe('a backend that hangs before its headers', () => {
  // A stream's first byte has a deadline; a stream:false answer has none while the backend's
  // connection lives (test/gateway/long-answers.test.ts), as Ollama itself has none.
  test('is a 504 after upstreamHeadersTimeoutMs for a stream, not a hung client', async () => {
    const g = await gateway()
    g.fakes[0]!.fault({ kind: 'hang-before-headers' }, { paths: ['/api/chat'] })
    const res = await chat(g, '/api/chat')
    expect(res.status).toBe(504)
    expect(JSON.parse(res.text)).toEqual({ error: 'the backend took too long to answer' })
    expect(res.ms).toBeGreaterThanOrEqual(900)
    expect(res.ms).toBeLessThan(3000)
  })

  test('a client that gives up while it hangs cancels the backend request', async () => {
    const g = await gateway({ config: (c) => void (c.server.upstreamHeadersTimeoutMs = 30_000) })
    g.fakes[0]!.fault({ kind: 'hang-before-headers' }, { paths: ['/api/chat'] })
    const ac = new AbortController()
    const pending = request(`${g.url}/api/chat`, {
      method: 'POST',
      headers: { authorization: `Bearer ${g.key}` },
      body: JSON.stringify({ model: 'llama3.2', messages: [] }),
      signal: ac.signal,
    }).catch(() => null)
    await g.fakes[0]!.waitFor((r) => r.path === '/api/chat')
    ac.abort()
    await pending
    await expect
      .poll(() => g.fakes[0]!.requests.find((r) => r.path === '/api/chat')?.aborted, {
        timeout: 3000,
      })
      .toBe(true)
    expect(g.fakes[0]!.inFlight()).toBe(0)
  })
})

describe('a backend that answers garbage', () => {
  test('is a 502 in the dialect of the path, and the gateway keeps serving', async () => {
    const g = await gateway()
    g.fakes[0]!.fault({ kind: 'garbage' }, { paths: ['/api/chat', '/v1/chat/completions'] })
    const ollama = await chat(g, '/api/chat', false)
    expect(ollama.status).toBe(502)
    expect(JSON.parse(ollama.text)).toEqual({ error: 'the backend failed to answer' })
    const openai = await chat(g, '/v1/chat/completions', false)
    expect(openai.status).toBe(502)
    expect(JSON.parse(openai.text)).toMatchObject({ error: { type: 'server_error' } })
    g.fakes[0]!.fault(null)
    expect((await chat(g, '/api/chat', false)).status).toBe(200)
  })

  test('a reset connection is a 502, and then served again', async () => {
    const g = await gateway()
    g.fakes[0]!.fault({ kind: 'reset' }, { times: 1, paths: ['/api/chat'] })
    expect((await chat(g, '/api/chat', false)).status).toBe(502)
    expect((await chat(g, '/api/chat', false)).status).toBe(200)
  })
})

test('none of these faults was logged as an error of the gateway itself', () => {
  expect(logLines.filter((l) => l.includes('Unhandled'))).toEqual([])
})
