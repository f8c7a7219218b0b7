// Small pure helpers and the stand-in's constants.
import type http from 'node:http'
import { createHash } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import type { FakeModel, FakeState, Json } from './types.js'
import { shortName } from './names.js'

export const DEFAULT_MODELS: readonly FakeModel[] = [
  { name: 'llama3.2:latest', family: 'llama', size: 2_019_393_189, parameterSize: '3.2B' },
  { name: 'qwen2.5:0.5b', family: 'qwen2', size: 397_821_319, parameterSize: '494.03M' },
  {
    name: 'nomic-embed-text:latest',
    family: 'nomic-bert',
    size: 274_302_450,
    parameterSize: '137M',
  },
]
/** Ollama's words when its queue is full (server/sched.go ErrMaxQueue). */
export const BUSY_MESSAGE = 'server busy, please try again.  maximum pending requests exceeded'
export const INFERENCE_PATHS = new Set([
  '/api/chat',
  '/api/generate',
  '/api/embed',
  '/api/embeddings',
  '/v1/chat/completions',
  '/v1/completions',
  '/v1/embeddings',
  '/v1/responses',
  '/v1/messages',
  '/v1/audio/transcriptions',
])
export const MODIFIED_AT = '2025-01-01T00:00:00Z'
export const MODIFIED_UNIX_S = Date.parse(MODIFIED_AT) / 1000
export const EMBED_DIMS = 8
export const KEEP_ALIVE_TIMEOUT_MS = 65_000
export const HEADERS_TIMEOUT_MS = 70_000
export const CLOSE_GRACE_MS = 2_000
export const WAIT_FOR_DEFAULT_MS = 2_000
export const PS_EXPIRY_MS = 5 * 60_000
export const NS_PER_MS = 1_000_000
export const GARBAGE = Buffer.from(
  '\u0000\u0001\u0002 this is not HTTP \uFFFD\r\n\r\n<<<garbage>>>\r\n',
)

export const now = (): number => performance.timeOrigin + performance.now()
export const sha256 = (data: string | Buffer): string =>
  createHash('sha256').update(data).digest('hex')
export const str = (v: unknown): string => (typeof v === 'string' ? v : '')
export const obj = (v: unknown): Json =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {}
export const words = (s: string): number => {
  const t = s.trim()
  return t ? t.split(/\s+/).length : 0
}
export const isoIn = (ms: number): string => new Date(Date.now() + ms).toISOString()
export const unixNow = (): number => Math.floor(Date.now() / 1000)

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => (ms > 0 ? setTimeout(resolve, ms) : setImmediate(resolve)))
}

export function guessFamily(name: string): string {
  if (name.includes('embed')) return 'nomic-bert'
  return /^[a-z]+/i.exec(name.slice(name.lastIndexOf('/') + 1))?.[0]?.toLowerCase() ?? 'llama'
}

export function isEmbeddingOnly(m: FakeModel): boolean {
  return (m.family ?? '').includes('bert') || m.name.includes('embed')
}

/** 8 deterministic, L2-normalised float32 values (so float and base64 encodings agree). */
export function vector(text: string): number[] {
  const h = createHash('sha256').update(text).digest()
  const v = Array.from({ length: EMBED_DIMS }, (_, i) => ((h[i] ?? 0) - 127.5) / 127.5)
  const norm = Math.hypot(...v) || 1
  return v.map((x) => Math.fround(x / norm))
}

export function textOf(content: unknown): string {
  if (typeof content === 'string') return content
  if (!Array.isArray(content)) return ''
  return content.map((part) => str(obj(part).text)).join(' ')
}

export function parseBody(raw: Buffer, path: string): unknown {
  if (raw.length === 0) return undefined
  if (path.startsWith('/api/blobs/')) return raw
  try {
    return JSON.parse(raw.toString('utf8')) as unknown
  } catch {
    return raw
  }
}

export function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)))
    req.on('error', reject)
    req.on('close', () => {
      if (!req.complete) reject(new Error('request body aborted'))
    })
  })
}

/** Resolves when a backpressured response can take more, or is gone. */
export function drained(res: http.ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done)
      res.off('close', done)
      resolve()
    }
    res.on('drain', done)
    res.on('close', done)
  })
}

export function details(m: FakeModel): Json {
  const family = m.family ?? guessFamily(m.name)
  return {
    parent_model: '',
    format: 'gguf',
    family,
    families: [family],
    parameter_size: m.parameterSize ?? '1B',
    quantization_level: isEmbeddingOnly(m) ? 'F16' : 'Q4_K_M',
  }
}

export const digestOf = (m: FakeModel): string => sha256(m.name)
export const sizeOf = (m: FakeModel): number => m.size ?? 1_000_000_000

export const pace = (s: FakeState, count: number): number =>
  Math.max(0, count - 1) * s.options.frameIntervalMs
export const fullText = (s: FakeState, count: number): string =>
  Array.from({ length: count }, (_, i) => s.token(i)).join('')
export const isZero = (v: unknown): boolean => v === 0 || v === '0' || v === '0s'

export function inputsOf(v: unknown): string[] | null {
  if (typeof v === 'string') return [v]
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[]
  return null
}

export function paramCount(size: string | undefined): number {
  const m = /^([\d.]+)([KMB])?$/i.exec(size ?? '1B')
  const scale = { K: 1e3, M: 1e6, B: 1e9 }[(m?.[2] ?? 'B').toUpperCase() as 'K' | 'M' | 'B']
  return Math.round(Number(m?.[1] ?? 1) * scale)
}

/** Ollama's `owned_by`: the namespace of the name (`library` for library models). */
export function ownerOf(name: string): string {
  const parts = name.split(':')[0]!.split('/')
  return parts.length >= 2 ? parts[parts.length - 2]! : 'library'
}

export function addModel(s: FakeState, m: FakeModel): void {
  if (!s.findModel(m.name)) s.options.models.push({ ...m, name: shortName(m.name) })
}
