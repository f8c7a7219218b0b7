// A request the route table does not match, answered as Ollama's router (gin, with
// HandleMethodNotAllowed; ollama server/routes.go) answers it: a wrong method on a known path
// is 405, a trailing slash is redirected to the path without it. Nothing reaches a backend.
import { afterAll, beforeAll, expect, test } from 'vitest'
import { Ollama } from 'ollama'
import { startTestGateway, type TestGateway } from '../support/gateway.js'

let gw: TestGateway

beforeAll(async () => {
  gw = await startTestGateway()
})
afterAll(() => gw.close())

const auth = () => ({ authorization: `Bearer ${gw.key}` })

test('a wrong method on a known Ollama path is 405 with Allow, in the client dialect', async () => {
  const chat = await fetch(`${gw.url}/api/chat`, { headers: auth() })
  expect(chat.status).toBe(405)
  expect(chat.headers.get('allow')).toBe('POST')
  expect(((await chat.json()) as { error: string }).error).toMatch(/GET is not allowed.*use POST/)
  const tags = await fetch(`${gw.url}/api/tags`, { method: 'POST', headers: auth() })
  expect(tags.status).toBe(405)
  expect(tags.headers.get('allow')).toBe('GET, HEAD')
  const models = await fetch(`${gw.url}/v1/chat/completions`, { headers: auth() })
  expect(models.status).toBe(405)
  expect(((await models.json()) as { error: { message: string } }).error.message).toMatch(/GET/)
  // A path no route has stays a 404.
  expect((await fetch(`${gw.url}/api/nothing`, { headers: auth() })).status).toBe(404)
  const reached = gw.fakes[0]!.requests.filter((r) => r.path.includes('chat'))
  expect(reached).toEqual([])
})

test('a trailing slash is redirected as gin does: 307 for POST, 301 for GET, query kept', async () => {
  const post = await fetch(`${gw.url}/api/chat/?x=1`, {
    method: 'POST',
    headers: auth(),
    body: '{}',
    redirect: 'manual',
  })
  expect(post.status).toBe(307)
  expect(post.headers.get('location')).toBe('/api/chat?x=1')
  const get = await fetch(`${gw.url}/api/tags/`, { headers: auth(), redirect: 'manual' })
  expect(get.status).toBe(301)
  expect(get.headers.get('location')).toBe('/api/tags')
})

test('the ollama client pointed at /api/chat/ by a base URL with a slash still chats', async () => {
  // fetch follows the 307 with the same method and body, as Go's client does.
  const res = await fetch(`${gw.url}/api/chat/`, {
    method: 'POST',
    headers: { ...auth(), 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'llama3.2',
      messages: [{ role: 'user', content: 'hi' }],
      stream: false,
    }),
  })
  expect(res.status).toBe(200)
  expect(((await res.json()) as { done: boolean }).done).toBe(true)
  const ollama = new Ollama({ host: gw.url, headers: auth() })
  expect((await ollama.list()).models.length).toBeGreaterThan(0)
})
