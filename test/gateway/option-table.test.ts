// The per-key option table is Ollama v0.33's (ollama api/types.go Options and Runner): a new
// option (draft_num_predict) can be set, the ones v0.33 dropped are refused when set anew,
// and a config saved with them still loads, without sending them to Ollama.
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { Ollama } from 'ollama'
import { startTestGateway, type TestGateway } from '../support/gateway.js'

let gw: TestGateway

beforeAll(async () => {
  gw = await startTestGateway()
})
afterAll(() => gw.close())

const lastChatOptions = () =>
  (
    gw.fakes[0]!.requests.filter((r) => r.path === '/api/chat').at(-1)!.body as {
      options?: Record<string, unknown>
    }
  ).options

test('an option today’s Ollama reads (draft_num_predict) is accepted and sent', async () => {
  const res = await gw.control<{ key: string }>('POST', '/control/keys', {
    name: 'drafty',
    options: { draft_num_predict: 8 },
  })
  expect(res.status).toBe(201)
  const ollama = new Ollama({ host: gw.url, headers: { authorization: `Bearer ${res.body.key}` } })
  await ollama.chat({ model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }] })
  expect(lastChatOptions()).toEqual({ draft_num_predict: 8 })
})

test('an option Ollama 0.33 dropped (tfs_z) is refused with a clear 400', async () => {
  const res = await gw.control<{ error: string }>('POST', '/control/keys', {
    name: 'old-style',
    options: { tfs_z: 0.9 },
  })
  expect(res.status).toBe(400)
  expect(res.body.error).toMatch(/no longer reads option "tfs_z"/)
})

test('a config saved with dropped options still loads; they are never sent to Ollama', async () => {
  const made = await gw.newKey({ name: 'legacy', options: { temperature: 0.3 } })
  const file = path.join(gw.dataDir, 'config.json')
  const config = JSON.parse(fs.readFileSync(file, 'utf8')) as {
    keys: { id: string; options: Record<string, unknown> }[]
  }
  const key = config.keys.find((k) => k.id === made.id)!
  Object.assign(key.options, { tfs_z: 0.9, mirostat: 1, penalize_newline: true })
  fs.writeFileSync(file, JSON.stringify(config, null, 2))
  await gw.restart()
  const ollama = new Ollama({ host: gw.url, headers: { authorization: `Bearer ${made.key}` } })
  await ollama.chat({ model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }] })
  expect(lastChatOptions()).toEqual({ temperature: 0.3 })
})
