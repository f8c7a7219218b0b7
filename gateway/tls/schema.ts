// The `tls` part of the control API's status, in TypeBox (the OpenAPI document uses it).
import { Type } from '@sinclair/typebox'
import { TLS_MODES } from '../config/schema.js'

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()])

export const TlsStatusView = Type.Object({
  mode: Type.Union(TLS_MODES.map((m) => Type.Literal(m))),
  scheme: Type.Union([Type.Literal('https'), Type.Literal('http')], {
    description: 'What the gateway URLs speak right now.',
  }),
  fingerprint: Nullable(
    Type.String({ description: "SHA-256 of the served certificate's DER, lowercase hex." }),
  ),
  certificate: Type.Union([
    Type.Object({
      fingerprint: Type.String(),
      spki: Type.String({ description: 'Base64 SHA-256 of the public key (SPKI).' }),
      subject: Type.String(),
      notBefore: Type.String(),
      notAfter: Type.String(),
      dnsNames: Type.Array(Type.String()),
      ipAddresses: Type.Array(Type.String()),
      source: Type.Union([Type.Literal('self-signed'), Type.Literal('files')]),
    }),
    Type.Null(),
  ]),
  plainPort: Type.Union([Type.Integer(), Type.Null()]),
  error: Nullable(Type.String({ description: 'Why the configured certificate is not served.' })),
  warnings: Type.Array(Type.String()),
})
