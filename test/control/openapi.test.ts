// The control API's OpenAPI document, and answers in the shapes it documents.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import { Type, type TSchema } from '@sinclair/typebox'
import {
  AccessLists,
  AccessPreset,
  BackendsView,
  KeyCreated,
  KeyView,
  LiveSnapshot,
  RequestRecordView,
  StatsSeries,
  StatsSummary,
  StatusView,
} from '../../gateway/control/schemas.js'
import { SettingsView } from '../../gateway/control/settings-routes.js'
import { startTestGateway, type TestGateway } from '../support/gateway.js'
import { expectShape } from './helpers.js'

let gw: TestGateway
beforeAll(async () => {
  gw = await startTestGateway()
})
afterAll(() => gw?.close())

describe('the OpenAPI document', () => {
  it('describes every control route, with the bearer token as its security', async () => {
    const { status, body } = await gw.control<{
      openapi: string
      paths: Record<
        string,
        Record<string, { responses: Record<string, unknown>; requestBody?: unknown }>
      >
      components: { securitySchemes: Record<string, unknown> }
      security: unknown[]
    }>('GET', '/control/openapi.json')
    expect(status).toBe(200)
    expect(body.openapi).toBe('3.0.3')
    expect(body.components.securitySchemes).toEqual({
      controlToken: { type: 'http', scheme: 'bearer' },
    })
    const routes = Object.entries(body.paths).flatMap(([p, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`),
    )
    expect(routes).toEqual(
      expect.arrayContaining([
        'GET /control/status',
        'POST /control/sharing',
        'GET /control/keys',
        'POST /control/keys',
        'PATCH /control/keys/{id}',
        'DELETE /control/keys/{id}',
        'GET /control/backends',
        'POST /control/backends',
        'GET /control/access',
        'GET /control/access/presets',
        'POST /control/access/{list}',
        'PUT /control/access/{list}',
        'DELETE /control/access/{list}',
        'GET /control/settings',
        'PATCH /control/settings',
        'GET /control/stats/summary',
        'GET /control/stats/series',
        'GET /control/stats/recent',
        'GET /control/stats/live',
        'GET /control/events',
        'POST /control/pull',
        'GET /control/pulls',
        'POST /control/import',
        'POST /control/config/reload',
      ]),
    )
    expect(routes.every((r) => r.includes('/control/'))).toBe(true)
    expect(body.paths['/control/keys']!.post!.responses['401']).toBeTruthy()
    // The settings patch fills in nothing that was left out.
    expect(JSON.stringify(body.paths['/control/settings']!.patch!.requestBody)).not.toContain(
      '"default"',
    )
  })
})

describe('answers in the documented shapes', () => {
  it('for status, keys, backends, access, settings and stats', async () => {
    const created = await gw.control('POST', '/control/keys', {
      name: 'shape',
      limits: { requests: 5 },
    })
    expect(created.status).toBe(201)
    expectShape(KeyCreated, created.body)
    await request(`${gw.url}/api/tags`, { headers: { authorization: `Bearer ${gw.key}` } }).then(
      (r) => r.body.dump(),
    )

    const shapes: Array<[string, TSchema]> = [
      ['/control/status', StatusView],
      ['/control/keys', Type.Array(KeyView)],
      ['/control/backends', BackendsView],
      ['/control/access', AccessLists],
      ['/control/access/presets', Type.Array(AccessPreset)],
      ['/control/settings', SettingsView],
      ['/control/stats/summary?since=1h&by=model', StatsSummary],
      ['/control/stats/series?since=1h', StatsSeries],
      ['/control/stats/recent?limit=5', Type.Array(RequestRecordView)],
      ['/control/stats/live', LiveSnapshot],
    ]
    for (const [path, schema] of shapes) {
      const { status, body } = await gw.control('GET', path)
      expect(status, path).toBe(200)
      expectShape(schema, body)
    }
  })
})

describe('backends', () => {
  it('never echo an upstream key', async () => {
    const added = await gw.control<Record<string, unknown>>('POST', '/control/backends', {
      url: 'http://127.0.0.1:9',
      name: 'keyed',
      key: 'crl_secret_upstream_key_value',
    })
    expect(added.status).toBe(201)
    expect(JSON.stringify(added.body)).not.toContain('crl_secret')
    expect(added.body.hasKey).toBe(true)
    const patched = await gw.control<Record<string, unknown>>('PATCH', '/control/backends/keyed', {
      weight: 2,
    })
    expect(JSON.stringify(patched.body)).not.toContain('crl_secret')
    const removed = await gw.control<Record<string, unknown>>('DELETE', '/control/backends/keyed')
    expect(removed.status).toBe(200)
    expect(JSON.stringify(removed.body)).not.toContain('crl_secret')
  })
})
