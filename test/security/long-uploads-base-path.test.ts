// Pins a bug: a body cut by the progress watch answered in the dialect of the raw path, so
// under a base path (`/ollama/v1/...`, the OpenResty layout) an OpenAI client got Ollama's
// error shape instead of its own.
import { afterAll, beforeAll, expect, test } from 'vitest'
import { startTestGateway, type TestGateway } from '../support/gateway.js'
import { rawExchange } from '../support/raw-http.js'

let gw: TestGateway
beforeAll(async () => {
  gw = await startTestGateway({
    config: (c) => {
      c.balancer.healthIntervalMs = 600_000
      c.server.basePath = '/ollama'
      c.server.bodyIdleTimeoutMs = 500
    },
  })
})
afterAll(() => gw.close())

test('a stalled body under the base path is cut with an error in the OpenAI shape on /v1', async () => {
  const res = await rawExchange(
    gw.running.gatewayPort()!,
    'POST /ollama/v1/chat/completions HTTP/1.1\r\nHost: x\r\n' +
      `Authorization: Bearer ${gw.key}\r\nContent-Type: application/json\r\n` +
      'Content-Length: 100\r\n\r\n{"model":',
    { timeoutMs: 5000, responses: 1 },
  )
  expect(res.statuses).toEqual([408])
  const body = JSON.parse(res.text.slice(res.text.indexOf('\r\n\r\n') + 4)) as unknown
  expect(body).toMatchObject({ error: { code: 'corral_err_body_idle' } })
})
