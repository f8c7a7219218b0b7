import crypto from 'node:crypto'

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
const ID_LENGTH = 8

/**
 * Short random ids for keys and backends: unguessable, URL-safe, easy to type. Letters and
 * digits only: a base64url id could start with '-', which every command line (ours included,
 * `corral keys update -Vx…`) reads as an option.
 */
export function newId(): string {
  let id = ''
  for (let i = 0; i < ID_LENGTH; i++) id += ID_ALPHABET[crypto.randomInt(ID_ALPHABET.length)]
  return id
}
