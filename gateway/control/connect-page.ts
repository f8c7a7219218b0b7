// `/connect`: the page a QR code opens on a phone or laptop. It holds no
// secret: the key travels in the URL fragment, which browsers never send.
import fs from 'node:fs'
import path from 'node:path'
import type { FastifyInstance } from 'fastify'
import { CorralError } from '../errors.js'

export function registerConnectPage(
  app: FastifyInstance,
  uiDir: string | null,
  certificate: () => string | null = () => null,
): void {
  registerCertificateDownload(app, certificate)
  let html: string | null = null
  const load = () => {
    if (html === null && uiDir) {
      try {
        html = fs.readFileSync(path.join(uiDir, 'connect.html'), 'utf8')
      } catch {
        html = null
      }
    }
    return html
  }
  app.route({
    method: ['GET', 'HEAD'],
    url: '/connect',
    config: { public: true },
    handler: async (request, reply) => {
      const page = load()
      if (page === null) {
        throw new CorralError('CORRAL_ERR_NOT_FOUND', {
          message: 'the connect page is not built (npm run build)',
        })
      }
      request.corral.outcome = 'done'
      return reply
        .type('text/html; charset=utf-8')
        .header('cache-control', 'no-store')
        .header('referrer-policy', 'no-referrer')
        .header('x-content-type-options', 'nosniff')
        .header(
          'content-security-policy',
          "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        )
        .send(page)
    },
  })
}

/**
 * The LAN listener's certificate (public: no key), for clients to trust: `cert.pem` for
 * curl, Python and Node, `cert.crt` with the type phones offer to install.
 */
function registerCertificateDownload(app: FastifyInstance, certificate: () => string | null) {
  const types = { pem: 'application/x-pem-file', crt: 'application/x-x509-ca-cert' }
  for (const [ext, type] of Object.entries(types)) {
    app.route({
      method: ['GET', 'HEAD'],
      url: `/connect/cert.${ext}`,
      config: { public: true },
      handler: async (request, reply) => {
        const pem = certificate()
        if (pem === null) {
          throw new CorralError('CORRAL_ERR_NOT_FOUND', {
            message: 'this gateway serves plain HTTP: there is no certificate to trust',
          })
        }
        request.corral.outcome = 'done'
        return reply
          .type(type)
          .header('content-disposition', `attachment; filename="corral.${ext}"`)
          .header('cache-control', 'no-store')
          .header('x-content-type-options', 'nosniff')
          .send(pem)
      },
    })
  }
}
