// `Expect: 100-continue` asks the server whether to send the body. Node says yes to
// everyone unless told otherwise; the gateway invites only a client whose address and
// key pass, so nobody else gets to upload a body (a model file, a long prompt) at all.
import { afterAll, beforeAll, expect, test } from 'vitest'
import net from 'node:net'
import { startTestGateway, type TestGateway } from '../support/gateway.js'

let gw: TestGateway
let port: number

beforeAll(async () => {
  gw = await startTestGateway()
  port = Number(new URL(gw.url).port)
})
afterAll(() => gw.close())

const BODY = JSON.stringify({ model: 'llama3.2' })

/** Sends the head only, waits for the first answer, then (if invited) the body. */
function expectContinue(
  path: string,
  key: string | null,
): Promise<{ first: string; rest: string; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port })
    let text = ''
    let first: string | null = null
    const done = (closed: boolean) => {
      clearTimeout(timer)
      socket.destroy()
      resolve({ first: first ?? text, rest: first === null ? '' : text, closed })
    }
    const timer = setTimeout(() => done(false), 4000)
    socket.on('error', reject)
    socket.on('close', () => done(true))
    socket.on('connect', () => {
      socket.write(
        [
          `POST ${path} HTTP/1.1`,
          `Host: 127.0.0.1:${port}`,
          ...(key ? [`Authorization: Bearer ${key}`] : []),
          'Content-Type: application/json',
          `Content-Length: ${BODY.length}`,
          'Expect: 100-continue',
          '',
          '',
        ].join('\r\n'),
      )
    })
    socket.on('data', (d: Buffer) => {
      text += d.toString('latin1')
      if (first !== null) {
        if (/\r\n\r\n[\s\S]*\}/.test(text)) done(false)
        return
      }
      const end = text.indexOf('\r\n\r\n')
      if (end === -1) return
      first = text.slice(0, end + 4)
      text = text.slice(end + 4)
      if (first.startsWith('HTTP/1.1 100')) socket.write(BODY)
    })
  })
}

test('a client with a good key is invited and answered', async () => {
  const res = await expectContinue('/api/show', gw.key)
  expect(res.first).toMatch(/^HTTP\/1\.1 100 Continue/)
  expect(res.rest).toMatch(/^HTTP\/1\.1 200/)
})

test.each([
  ['no key', null],
  ['a wrong key', 'crl_' + 'A'.repeat(43)],
])('a client with %s is refused before its body, and the connection closes', async (_, key) => {
  const shows = () => gw.fakes[0]!.requests.filter((r) => r.path === '/api/show').length
  const before = shows()
  const res = await expectContinue('/api/show', key)
  expect(res.first).toMatch(/^HTTP\/1\.1 401/)
  expect(res.first.toLowerCase()).toContain('connection: close')
  expect(res.closed).toBe(true)
  expect(shows()).toBe(before)
})

test('a revoked key is refused too, on the paths Fastify routes as well', async () => {
  const { key, id } = await gw.newKey({ name: 'soon-gone' })
  await gw.control('DELETE', `/control/keys/${id}`)
  for (const path of ['/api/show', `http://127.0.0.1:${port}/api/show`, '/api/blobs/sha256:x']) {
    const res = await expectContinue(path, key)
    expect(res.first, path).toMatch(/^HTTP\/1\.1 (401|404)/)
    expect(res.first, path).not.toMatch(/^HTTP\/1\.1 100/)
  }
})
