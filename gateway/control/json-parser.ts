// The control API's JSON bodies: Fastify's own parser (prototype poisoning refused), behind
// the depth bound every body from outside gets (untrusted/json-depth.ts): 100,000 nested
// arrays were a stack overflow and a 500, now a 400 that says what to change. An empty body
// with `Content-Type: application/json` is no body: the guard (guard.ts) asks every POST for
// that type, also those that need no body (resume-all).
import type { FastifyInstance } from 'fastify'
import { JSON_TOO_DEEP_MESSAGE, jsonTooDeep } from '../untrusted/json-depth.js'

export function useDepthCheckedJson(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error')
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string
    if (text === '') return done(null, undefined)
    if (jsonTooDeep(text)) {
      return done(Object.assign(new Error(JSON_TOO_DEEP_MESSAGE), { statusCode: 400 }), undefined)
    }
    void parse(request, text, done)
  })
}
