// The control API's certificate route: what `corral cert` prints and the Settings view offers.
import type { FastifyInstance } from 'fastify'
import { Type } from '@sinclair/typebox'
import { ControlError, CONTROL_PREFIX } from './common.js'
import type { Sharing } from './sharing.js'
import { TlsStatusView } from '../tls/schema.js'

export const CertificateView = Type.Object({
  pem: Type.String({ description: 'The served certificate, PEM (public; the key never leaves).' }),
  tls: TlsStatusView,
})

export function registerTlsRoutes(app: FastifyInstance, sharing: Sharing): void {
  app.get(
    `${CONTROL_PREFIX}/tls/certificate`,
    {
      schema: {
        summary: "The LAN listener's certificate (PEM) and its fingerprint",
        tags: ['status'],
        response: { 200: CertificateView },
      },
    },
    async () => {
      const pem = sharing.certificate()
      if (pem === null) {
        const tls = sharing.tls()
        throw new ControlError(
          404,
          tls.error ?? 'HTTPS is off (server.tls.mode is "off"): there is no certificate',
        )
      }
      return { pem, tls: sharing.tls() }
    },
  )
}
