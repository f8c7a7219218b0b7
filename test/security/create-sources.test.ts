// Issue 25: "A key limited to some models must not create other models". The gateway read a
// create's Modelfile with a regular expression: a triple-quoted FROM ("""llama3.2""") read as
// empty and passed, a FROM that was a file or a blob was skipped, ADAPTER lines and the
// `files`/`adapters` blob digests were not looked at, and a FROM inside a quoted SYSTEM text
// was taken for a command. Now the Modelfile is read as Ollama's parser reads it
// (parser/parser.go), names are checked against the key's list, and blobs and files are
// refused for such keys with a clear error.
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { request } from 'undici'
import { parseModelfile } from '../../gateway/proxy/modelfile.js'
import { startTestGateway, type TestGateway } from '../support/gateway.js'

let gw: TestGateway
/** May manage models, but only the qwen family. */
let qwenManager: string
/** May manage every model. */
let manager: string
let probe = 0

beforeAll(async () => {
  gw = await startTestGateway({ config: (c) => void (c.balancer.healthIntervalMs = 600_000) })
  const scopes = ['inference' as const, 'models' as const]
  qwenManager = (await gw.newKey({ name: 'qwen-manager', scopes, models: ['qwen2.5:*'] })).key
  manager = (await gw.newKey({ name: 'manager', scopes })).key
})
afterAll(() => gw.close())

async function create(key: string, body: Record<string, unknown>) {
  const id = `create-${++probe}`
  const res = await request(`${gw.url}/api/create`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-probe': id },
    body: JSON.stringify({ model: 'qwen2.5:mine', stream: false, ...body }),
  })
  const json = (await res.body.json()) as { error?: string }
  const upstream = gw.fakes[0]!.requests.filter((r) => r.headers['x-probe'] === id)
  return { status: res.statusCode, error: json.error ?? null, upstream }
}

const DIGEST = `sha256:${'a'.repeat(64)}`

describe('a Modelfile is read as Ollama reads it', () => {
  test('FROM in any case, quoted, triple-quoted, after comments; a FROM inside a quoted SYSTEM is text', () => {
    const froms = (text: string) =>
      parseModelfile(text)
        .filter((c) => c.name === 'model')
        .map((c) => c.args)
    expect(froms('FROM llama3.2')).toEqual(['llama3.2'])
    expect(froms('# base\n  fRoM   "llama3.2:latest"  \nPARAMETER temperature 1')).toEqual([
      'llama3.2:latest',
    ])
    expect(froms('FROM """llama3.2"""')).toEqual(['llama3.2'])
    expect(froms('SYSTEM """\nFROM llama3.2\n"""\nFROM qwen2.5')).toEqual(['qwen2.5'])
    expect(froms("FROM 'llama3.2'")).toEqual(["'llama3.2'"])
    expect(parseModelfile('FROM a\nPARAMETER num_ctx 4096\nMESSAGE user hi')).toEqual([
      { name: 'model', args: 'a' },
      { name: 'num_ctx', args: '4096' },
      { name: 'message', args: 'user: hi' },
    ])
    expect(() => parseModelfile('SYSTEM hi')).toThrow('no FROM line')
    expect(() => parseModelfile('FROM "llama3.2')).toThrow(/quote/)
    expect(() => parseModelfile('FROMAGE x')).toThrow(/not a command/)
  })
})

describe("a model-limited key's /api/create builds only from its models", () => {
  test.each([
    ['a triple-quoted FROM', { modelfile: 'FROM """llama3.2"""' }, 'may not use model "llama3.2"'],
    ['a FROM in lower case after a comment', { modelfile: '# x\nfrom llama3.2' }, 'llama3.2'],
    ['a quoted FROM', { modelfile: 'FROM "llama3.2"' }, 'llama3.2'],
    ['a second FROM', { modelfile: 'FROM qwen2.5:0.5b\nFROM llama3.2' }, 'llama3.2'],
    ['the JSON from field', { from: 'llama3.2' }, 'llama3.2'],
    ['a FROM that is a file', { modelfile: 'FROM ./weights.gguf' }, 'is a file or a blob'],
    ['a FROM that is an absolute path', { modelfile: 'FROM /models/q.gguf' }, 'a file or a blob'],
    ['a FROM that is a blob', { modelfile: `FROM @${DIGEST}` }, 'is a file or a blob'],
    ['an ADAPTER line', { modelfile: 'FROM qwen2.5:0.5b\nADAPTER ./lora.gguf' }, 'ADAPTER'],
    ['files (blob digests)', { files: { 'model.gguf': DIGEST } }, '"files" (blob digests)'],
    ['adapters', { from: 'qwen2.5:0.5b', adapters: { 'a.gguf': DIGEST } }, '"adapters"'],
    ['draft_files', { from: 'qwen2.5:0.5b', draft_files: { 'd.gguf': DIGEST } }, 'draft_files'],
    ['remote_host', { from: 'qwen2.5:0.5b', remote_host: 'http://10.0.0.9:11434' }, 'remote_host'],
  ])('%s is refused with 403 and never reaches the backend', async (_name, body, says) => {
    const res = await create(qwenManager, body)
    expect(res.status).toBe(403)
    expect(res.error).toContain(says)
    expect(res.upstream).toEqual([])
  })

  test('a blob refusal says what to do instead', async () => {
    const res = await create(qwenManager, { files: { 'model.gguf': DIGEST } })
    expect(res.error).toBe(
      'this key may use only some models, and a create from "files" (blob digests) cannot be checked against its models: create from one of its models by name ("from")',
    )
  })

  test('a Modelfile Ollama could not read either gets 400', async () => {
    const res = await create(qwenManager, { modelfile: 'FROM "llama3.2' })
    expect(res.status).toBe(400)
    expect(res.error).toContain('modelfile: ')
    expect(res.upstream).toEqual([])
  })

  test.each([
    ['the JSON from field', { from: 'qwen2.5:0.5b' }],
    ['a triple-quoted FROM', { modelfile: 'FROM """qwen2.5:0.5b"""' }],
    [
      'a FROM inside a quoted SYSTEM text',
      { modelfile: 'SYSTEM """\nFROM llama3.2\n"""\nFROM qwen2.5:0.5b' },
    ],
  ])('%s from an allowed model passes', async (_name, body) => {
    const res = await create(qwenManager, body)
    expect(res.status).toBe(200)
    expect(res.upstream).toHaveLength(1)
  })

  test('a key with no model list may still create from blobs and files', async () => {
    expect((await create(manager, { files: { 'model.gguf': DIGEST } })).upstream).toHaveLength(1)
    expect((await create(manager, { modelfile: 'FROM ./weights.gguf' })).upstream).toHaveLength(1)
  })
})
