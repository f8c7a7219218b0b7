// Small TypeBox helpers the control API's schemas share.
import { Type, type TLiteral, type TSchema, type TUnion } from '@sinclair/typebox'

export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()])
/** A union of string literals, typed as the union of the values. */
export const Literals = <const T extends readonly string[]>(values: T) =>
  Type.Union(values.map((v) => Type.Literal(v))) as unknown as TUnion<TLiteral<T[number]>[]>

/**
 * A JSON copy of a schema without its `default` annotations, for request bodies that
 * change only what they name: Fastify's validator fills in defaults, so a patch of one
 * field would otherwise reset its siblings to their defaults.
 */
export function stripDefaults<T extends TSchema>(schema: T): T {
  return JSON.parse(JSON.stringify(schema), (key, value: unknown) =>
    key === 'default' ? undefined : value,
  ) as T
}
