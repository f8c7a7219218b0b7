import crypto from 'node:crypto'

/** Short random ids for keys and backends: unguessable, URL-safe, easy to type. */
export function newId(): string {
  return crypto.randomBytes(6).toString('base64url')
}
