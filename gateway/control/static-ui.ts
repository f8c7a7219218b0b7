// The built React UI (dist/renderer), served by the control listener. Static
// files hold no secrets: the control token reaches the page in the URL
// fragment (headless) or through the preload (desktop), never from here.
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance } from 'fastify'
import fastifyStatic from '@fastify/static'

/** dist/renderer next to the compiled gateway, or null when the UI was not built. */
export function defaultUiDir(): string | null {
  const here = path.dirname(fileURLToPath(import.meta.url))
  for (const candidate of [
    path.resolve(here, '../../renderer'), // dist/gateway/control -> dist/renderer
    path.resolve(here, '../../dist/renderer'), // gateway/control (tests run from source)
  ]) {
    if (fs.existsSync(path.join(candidate, 'index.html'))) return candidate
  }
  return null
}

export async function registerStaticUi(app: FastifyInstance, uiDir: string | null): Promise<void> {
  if (!uiDir) {
    app.get('/', async (_req, reply) =>
      reply
        .type('text/plain; charset=utf-8')
        .send(
          'The Corral UI is not built. Run `npm run build`; the control API is under /control/.',
        ),
    )
    return
  }
  await app.register(fastifyStatic, {
    root: uiDir,
    index: ['index.html'],
    // connect.html is the gateway's page; it is not part of the control UI.
    allowedPath: (p) => !p.endsWith('connect.html'),
    setHeaders: (reply) => {
      reply.header(
        'content-security-policy',
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
      )
    },
  })
}
