/**
 * Codex CLI sends `Content-Encoding: zstd` bodies to /v1/responses, and Ollama decompresses zstd
 * on its POST /v1 inference routes (ollama server/cloud_proxy.go). Corral answered 415 before.
 * Now the body is decompressed (bounded by the body limit) and forwarded uncompressed.
 */
import { spawnSync } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestGateway, type TestGateway } from '../support/gateway.js'

const LIMIT = 64 * 1024
let gw: TestGateway

beforeAll(async () => {
  gw = await startTestGateway({ config: (c) => (c.server.bodyLimitBytes = LIMIT) })
})
afterAll(() => gw.close())

const zstd = (data: string | Buffer): Buffer => {
  const out = spawnSync('zstd', ['-c', '-q', '-19'], { input: data })
  if (out.status !== 0) throw new Error(`zstd failed: ${String(out.stderr)}`)
  return out.stdout
}

const send = (path: string, body: Buffer, encoding: string) =>
  fetch(gw.url + path, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${gw.key}`,
      'content-type': 'application/json',
      'content-encoding': encoding,
    },
    body,
  })

describe('zstd request bodies', () => {
  it('a zstd body to /v1/responses (as Codex sends it) is answered, and the backend gets it plain', async () => {
    const body = JSON.stringify({ model: 'llama3.2', input: 'hello from codex', stream: false })
    const res = await send('/v1/responses', zstd(body), 'zstd')
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ object: 'response', status: 'completed' })
    const seen = await gw.fakes[0]!.waitFor((r) => r.path === '/v1/responses')
    expect(seen.headers['content-encoding']).toBeUndefined()
    expect(seen.body).toMatchObject({ input: 'hello from codex' })
  })

  it('the model check sees the decompressed body', async () => {
    const limited = await gw.newKey({ name: 'only-qwen', models: ['qwen2.5:*'] })
    const body = JSON.stringify({ model: 'llama3.2', messages: [{ role: 'user', content: 'x' }] })
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${limited.key}`, 'content-encoding': 'zstd' },
      body: zstd(body),
    })
    expect(res.status).toBe(403)
  })

  it('a zstd body that grows past the body limit is refused with 413', async () => {
    const big = JSON.stringify({ model: 'llama3.2', input: 'a'.repeat(LIMIT * 4) })
    const packed = zstd(big)
    expect(packed.length).toBeLessThan(LIMIT)
    const res = await send('/v1/responses', packed, 'zstd')
    expect(res.status).toBe(413)
  })

  it('bytes that are not zstd get 400; gzip, and zstd on native paths, stay 415', async () => {
    expect((await send('/v1/responses', Buffer.from('not zstd at all'), 'zstd')).status).toBe(400)
    expect((await send('/v1/responses', Buffer.from('x'), 'gzip')).status).toBe(415)
    expect((await send('/api/chat', zstd('{}'), 'zstd')).status).toBe(415)
  })
})
