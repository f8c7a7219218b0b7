// A small HTTP request fuzzer: a corpus of well-formed requests to every kind
// of gateway route, and mutators that damage them at the byte, line, header,
// path and JSON level. Seeded, so a failure can be replayed.

/** Mulberry32: small, fast, seedable. */
export function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export type Rand = () => number
export const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!
export const int = (r: Rand, n: number) => Math.floor(r() * n)

function req(
  method: string,
  path: string,
  key: string,
  body?: unknown,
  extra: string[] = [],
): string {
  const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body)
  const lines = [
    `${method} ${path} HTTP/1.1`,
    'Host: gateway',
    `Authorization: Bearer ${key}`,
    ...extra,
  ]
  if (text || method === 'POST')
    lines.push('Content-Type: application/json', `Content-Length: ${Buffer.byteLength(text)}`)
  return lines.join('\r\n') + '\r\n\r\n' + text
}

function chunked(path: string, key: string, body: unknown): string {
  const text = JSON.stringify(body)
  const half = Math.floor(text.length / 2)
  const parts = [text.slice(0, half), text.slice(half)]
  return (
    `POST ${path} HTTP/1.1\r\nHost: gateway\r\nAuthorization: Bearer ${key}\r\nTransfer-Encoding: chunked\r\n\r\n` +
    parts.map((p) => `${Buffer.byteLength(p).toString(16)}\r\n${p}\r\n`).join('') +
    '0\r\n\r\n'
  )
}

const chat = { model: 'llama3.2', messages: [{ role: 'user', content: 'hello there' }] }

/** Well-formed requests, one per kind of route and way of sending a key. */
export function corpus(key: string): string[] {
  const basic = Buffer.from(`user:${key}`).toString('base64')
  return [
    req('GET', '/', key),
    req('GET', '/api/version', key),
    req('GET', '/api/tags', key),
    req('HEAD', '/api/tags', key),
    req('GET', '/api/ps', key),
    req('POST', '/api/show', key, { model: 'llama3.2' }),
    req('POST', '/api/chat', key, chat),
    req('POST', '/api/chat', key, { ...chat, stream: false, options: { num_predict: 5 } }),
    req('POST', '/api/generate', key, { model: 'qwen2.5:0.5b', prompt: 'why', stream: true }),
    req('POST', '/api/embed', key, { model: 'nomic-embed-text', input: ['a', 'b'] }),
    req('POST', '/api/embeddings', key, { model: 'nomic-embed-text', prompt: 'a' }),
    req('POST', '/api/pull', key, { model: 'llama3.2' }),
    req('DELETE', '/api/delete', key, { model: 'llama3.2' }),
    req('HEAD', `/api/blobs/sha256:${'a'.repeat(64)}`, key),
    req('POST', '/v1/chat/completions', key, { ...chat, stream: true, max_tokens: 4 }),
    req('POST', '/v1/completions', key, { model: 'llama3.2', prompt: 'x' }),
    req('POST', '/v1/embeddings', key, { model: 'nomic-embed-text', input: 'x' }),
    req('POST', '/v1/responses', key, { model: 'llama3.2', input: 'x' }),
    req('GET', '/v1/models', key),
    req('GET', '/v1/models/llama3.2', key),
    req('GET', '/metrics', key),
    req('GET', '/connect', key),
    req('POST', '/config/reload', key),
    req('GET', '/api/tags', key, undefined, [
      'Connection: keep-alive, x-api-key',
      `X-API-Key: ${key}`,
    ]),
    req('GET', '/api/tags', key, undefined, ['X-Forwarded-For: 10.0.0.1, 8.8.8.8']),
    req('POST', '/api/chat', key, chat, ['Expect: 100-continue']),
    chunked('/api/chat', key, chat),
    `GET /api/tags HTTP/1.1\r\nHost: gateway\r\nAuthorization: Basic ${basic}\r\n\r\n`,
    `GET /api/ps HTTP/1.1\r\nHost: gateway\r\nX-API-Key: ${key}\r\n\r\n`,
    `GET /api/version HTTP/1.0\r\nAuthorization: ${key}\r\n\r\n`,
  ]
}

const SPECIAL = [
  '\r',
  '\n',
  '\r\n',
  '\0',
  ':',
  ' ',
  '\t',
  '%',
  '%00',
  '%2e',
  '%2f',
  '%5c',
  '%%',
  '/',
  '..',
  '\\',
  '?',
  '#',
  ';',
  ',',
  '"',
  '\u00ff',
  '\u00c3\u00a9',
  '\x7f',
  '{',
  '}',
  '[',
  ']',
]
const TOKENS = [
  'GET',
  'POST',
  'HEAD',
  'DELETE',
  'PUT',
  'OPTIONS',
  'TRACE',
  'CONNECT',
  'PATCH',
  'PRI',
  'get',
  'G ET',
  '',
]
const HEADERS = [
  'Transfer-Encoding: chunked',
  'Content-Length: 0',
  'Content-Length: 99999999999999999999',
  'Content-Length: -5',
  'Content-Encoding: gzip',
  'Connection: close',
  'Connection: upgrade',
  'Upgrade: websocket',
  'Expect: 100-continue',
  'Authorization: Bearer crl_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
  'Authorization: Basic !!!!',
  'X-API-Key: ',
  'X-Corral-Backend: nope',
  'Host: evil.example',
  'Content-Type: text/plain',
  `X-Long: ${'z'.repeat(9000)}`,
]
const JSON_VALUES: unknown[] = [
  null,
  true,
  0,
  -1,
  1e308,
  'x'.repeat(3000),
  '',
  '\u0000',
  [],
  {},
  [[[[[]]]]],
  { model: 1 },
  'crl_' + 'q'.repeat(43),
  '../../etc/passwd',
  'llama3.2:latest',
  'qwen2.5:*',
]

function splitHead(text: string): { head: string; body: string } {
  const i = text.indexOf('\r\n\r\n')
  return i === -1 ? { head: text, body: '' } : { head: text.slice(0, i), body: text.slice(i + 4) }
}

function withLength(head: string, body: string): string {
  const fixed = head.replace(
    /\r\nContent-Length: \d+/i,
    `\r\nContent-Length: ${Buffer.byteLength(body)}`,
  )
  return `${fixed}\r\n\r\n${body}`
}

function mutateJson(r: Rand, body: string): string {
  let value: unknown
  try {
    value = JSON.parse(body)
  } catch {
    return body
  }
  if (typeof value !== 'object' || value === null) return JSON.stringify(pick(r, JSON_VALUES))
  const obj = value as Record<string, unknown>
  const fields = [
    'model',
    'name',
    'stream',
    'messages',
    'prompt',
    'options',
    'max_tokens',
    'num_predict',
    'input',
    'source',
    'keep_alive',
    '__proto__',
    'constructor',
  ]
  for (let i = 0, n = 1 + int(r, 3); i < n; i++) obj[pick(r, fields)] = pick(r, JSON_VALUES)
  if (r() < 0.2) delete obj.model
  return JSON.stringify(obj)
}

/** One mutated request (or a pair on one connection) built from the corpus. */
export function mutate(r: Rand, seeds: readonly string[]): string {
  let text = pick(r, seeds)
  const rounds = 1 + int(r, 3)
  for (let i = 0; i < rounds; i++) {
    const { head, body } = splitHead(text)
    const lines = head.split('\r\n')
    switch (int(r, 14)) {
      case 0: {
        // flip a byte
        const at = int(r, text.length)
        text = text.slice(0, at) + String.fromCharCode(int(r, 256)) + text.slice(at + 1)
        break
      }
      case 1: {
        const at = int(r, text.length)
        text = text.slice(0, at) + pick(r, SPECIAL) + text.slice(at)
        break
      }
      case 2: {
        const at = int(r, text.length)
        text = text.slice(0, at) + text.slice(at + 1 + int(r, 20))
        break
      }
      case 3:
        text = text.slice(0, int(r, text.length))
        break
      case 4: {
        const at = 1 + int(r, Math.max(1, lines.length - 1))
        lines.splice(at, 0, lines[int(r, lines.length)] ?? '')
        text = lines.join('\r\n') + '\r\n\r\n' + body
        break
      }
      case 5:
        lines.splice(1 + int(r, lines.length), 0, pick(r, HEADERS))
        text = lines.join('\r\n') + '\r\n\r\n' + body
        break
      case 6: {
        const [method, target, version] = (lines[0] ?? '').split(' ')
        const segments = ['api', 'v1', 'chat', 'pull', 'models', 'blobs', 'ollama', '', ...SPECIAL]
        const newTarget =
          r() < 0.5
            ? (target ?? '/') + pick(r, SPECIAL)
            : '/' + Array.from({ length: 1 + int(r, 4) }, () => pick(r, segments)).join('/')
        lines[0] = [r() < 0.3 ? pick(r, TOKENS) : method, newTarget, version].join(' ')
        text = lines.join('\r\n') + '\r\n\r\n' + body
        break
      }
      case 7:
        text = withLength(head, mutateJson(r, body))
        break
      case 8:
        text = withLength(head, body.slice(0, int(r, body.length + 1)))
        break
      case 9:
        text =
          head.replace(
            /Content-Length: \d+/i,
            `Content-Length: ${Math.max(0, Buffer.byteLength(body) + int(r, 21) - 10)}`,
          ) +
          '\r\n\r\n' +
          body
        break
      case 10:
        text = text.replace(/\r\n/g, r() < 0.5 ? '\n' : '\r')
        break
      case 11:
        text = Array.from({ length: 1 + int(r, 200) }, () => String.fromCharCode(int(r, 256))).join(
          '',
        )
        break
      case 12:
        // two requests back to back on one connection
        text = text + pick(r, seeds)
        break
      default:
        text = text.replace(
          /HTTP\/1\.[01]/,
          pick(r, ['HTTP/1.2', 'HTTP/2.0', 'HTTP/0.9', 'HTTP/1.1 ', 'http/1.1', 'HTTP/11']),
        )
    }
  }
  return text
}
