// Bad input at every control route never gets a 500 (500 means a bug) and changes
// nothing; a backend set by `serve --backend` is read-only (409), an unknown one 404.
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import { startTestGateway, type TestGateway } from '../support/gateway.js'
import type { Config } from '../../gateway/config/schema.js'

/** What `corral serve --backend http://127.0.0.1:9` adds for the run (see cli/serve.ts). */
const withFlagBackend = (c: Config): Config => ({
  ...c,
  backends: [
    ...c.backends,
    {
      id: 'flag-1',
      name: '127.0.0.1:9',
      url: 'http://127.0.0.1:9',
      key: null,
      weight: 1,
      enabled: true,
      capacity: 4,
      source: 'manual',
    },
  ],
})

interface Operation {
  parameters?: Array<{ in: string; name: string }>
  requestBody?: { content: Record<string, { schema: { properties?: Record<string, unknown> } }> }
}
type OpenApi = { paths: Record<string, Record<string, Operation>> }

/** Values of every wrong kind; none can be a backend address (no request leaves loopback). */
const BAD_VALUES: unknown[] = [
  null,
  -1,
  1.5,
  1e308,
  '',
  ' ',
  'a b/c?d#e',
  '\u0000',
  'x/'.repeat(3000),
  [],
  [null],
  {},
  { nested: { deeper: [1, '2', null] } },
  true,
]
/** Whole bodies that are not what any route takes. */
const BAD_BODIES: Array<[string, string]> = [
  ['application/json', 'not json'],
  ['application/json', '{'],
  ['application/json', 'null'],
  ['application/json', '[]'],
  ['application/json', '"a string"'],
  ['application/json', '12'],
  ['application/json', '{"__proto__":{"polluted":true},"constructor":{"prototype":{}}}'],
  ['application/json', JSON.stringify({ a: 'x'.repeat(2 * 1024 * 1024) })],
  ['text/plain', 'hello'],
  ['application/x-www-form-urlencoded', 'a=1&b=2'],
]
/**
 * Fastify coerces scalars to the schema's type (`{"url": 1.5}` is the URL "1.5", that is
 * 1.0.0.5): a backend address must not be one, or its health check would leave loopback.
 */
const notAHost = (v: unknown) => v === null || typeof v === 'object' || v === '' || v === ' '
const BAD_IDS = ['does-not-exist', '%00', '..%2F..%2Fconfig.json', 'x'.repeat(5000), '%E2%80%AE']

let gw: TestGateway
let doc: OpenApi
beforeAll(async () => {
  gw = await startTestGateway({ start: { overlay: withFlagBackend } })
  doc = (await gw.control<OpenApi>('GET', '/control/openapi.json')).body
})
afterAll(() => gw?.close())

const configText = () => fs.readFileSync(path.join(gw.dataDir, 'config.json'), 'utf8')

async function send(method: string, p: string, body?: string, type = 'application/json') {
  const res = await request(gw.running.controlUrl + p, {
    method: method as 'GET',
    headers: {
      authorization: `Bearer ${gw.running.token}`,
      ...(body === undefined ? {} : { 'content-type': type }),
    },
    body,
  })
  const text = await res.body.text()
  return { status: res.statusCode, text }
}

/** The routes of the document, with a valid value for each path parameter. */
function operations(): Array<{ method: string; template: string; op: Operation }> {
  return Object.entries(doc.paths).flatMap(([template, ops]) =>
    Object.entries(ops)
      // The live feed never ends; it takes no input.
      .filter(() => template !== '/control/events')
      .map(([method, op]) => ({ method: method.toUpperCase(), template, op })),
  )
}
const fill = (template: string, value: (name: string) => string) =>
  template.replace(/\{(\w+)\}/g, (_m, name: string) => value(name))
const VALID_PARAM: Record<string, string> = { id: 'b0', list: 'deny' }

describe('a backend set by serve --backend', () => {
  it('is listed read-only; the saved ones are not', async () => {
    const { body } = await gw.control<{ backends: Array<{ id: string; readOnly: boolean }> }>(
      'GET',
      '/control/backends',
    )
    expect(body.backends.map((b) => [b.id, b.readOnly])).toEqual([
      ['b0', false],
      ['flag-1', true],
    ])
  })

  it.each([
    ['PATCH', { enabled: false }],
    ['PATCH', {}],
    ['DELETE', undefined],
  ])('refuses %s with 409 and says why', async (method, body) => {
    const res = await gw.control<{ error: string }>(method, '/control/backends/flag-1', body)
    expect(res.status).toBe(409)
    expect(res.body.error).toMatch(/set for this run by `corral serve --backend`/)
    expect(gw.running.corral.config.backends.find((b) => b.id === 'flag-1')?.enabled).toBe(true)
  })

  it('an unknown backend is 404, a known one changes', async () => {
    const missing = await gw.control<{ error: string }>('PATCH', '/control/backends/nope', {
      weight: 2,
    })
    expect(missing).toEqual({
      status: 404,
      body: { error: 'no backend with id, name or URL "nope"' },
    })
    const ok = await gw.control<{ weight: number }>('PATCH', '/control/backends/b0', { weight: 2 })
    expect(ok.status).toBe(200)
    expect(ok.body.weight).toBe(2)
  })

  it('adding a backend that is already there is 409', async () => {
    const dup = await gw.control('POST', '/control/backends', { url: gw.fakes[0]!.url })
    expect(dup.status).toBe(409)
  })
})

describe('bad input at every control route', () => {
  it('covers the whole OpenAPI document', () => {
    expect(operations().length).toBeGreaterThanOrEqual(24)
  })

  it('unknown ids and bad path parameters: 4xx with a message, nothing changed', async () => {
    const before = configText()
    const tried: string[] = []
    for (const { method, template } of operations()) {
      if (!template.includes('{')) continue
      for (const bad of BAD_IDS) {
        const p = fill(template, () => bad)
        const body = method === 'GET' || method === 'DELETE' ? undefined : '{}'
        const res = await send(method, p + (method === 'DELETE' ? '?entry=10.0.0.1' : ''), body)
        tried.push(`${method} ${template}`)
        expect(res.status, `${method} ${p.slice(0, 80)}: ${res.text}`).toBeGreaterThanOrEqual(400)
        expect(res.status, `${method} ${p.slice(0, 80)}: ${res.text}`).toBeLessThan(500)
        expect(JSON.parse(res.text).error).toEqual(expect.any(String))
      }
    }
    expect(new Set(tried).size).toBeGreaterThanOrEqual(5)
    expect(configText()).toBe(before)
  })

  it('bad whole bodies: 4xx, nothing changed', async () => {
    const before = configText()
    for (const { method, template, op } of operations()) {
      if (!op.requestBody) continue
      const p = fill(template, (n) => VALID_PARAM[n] ?? 'x')
      for (const [type, body] of BAD_BODIES) {
        const res = await send(method, p, body, type)
        expect(res.status, `${method} ${p} ${body.slice(0, 40)}: ${res.text}`).toBeLessThan(500)
        expect(res.status, `${method} ${p} ${body.slice(0, 40)}: ${res.text}`).toBeGreaterThan(399)
      }
    }
    expect(configText()).toBe(before)
  })

  it('a wrong value in each field of each body, and in each query parameter: never 5xx', async () => {
    let tried = 0
    for (const { method, template, op } of operations()) {
      const p = fill(template, (n) => VALID_PARAM[n] ?? 'x')
      const props = op.requestBody?.content['application/json']?.schema.properties ?? {}
      for (const field of Object.keys(props)) {
        for (const bad of field === 'url' ? BAD_VALUES.filter(notAHost) : BAD_VALUES) {
          const res = await send(method, p, JSON.stringify({ [field]: bad }))
          tried++
          expect(res.status, `${method} ${p} {${field}: ${String(bad).slice(0, 30)}}`).toBeLessThan(
            500,
          )
        }
      }
      for (const param of op.parameters ?? []) {
        if (param.in !== 'query') continue
        for (const bad of BAD_VALUES) {
          const q = `?${param.name}=${encodeURIComponent(typeof bad === 'string' ? bad : JSON.stringify(bad))}`
          const res = await send(method, p + q)
          tried++
          expect(res.status, `${method} ${p}${q.slice(0, 60)}: ${res.text}`).toBeLessThan(500)
        }
      }
    }
    expect(tried).toBeGreaterThan(100)
  })
})
