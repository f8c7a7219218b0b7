// The first run without Ollama (issue 27): the terminal says once, in words, that Ollama is
// not running and how to start it (no raw ECONNREFUSED), `corral status` says so, every
// client route answers one 503 CORRAL_ERR_OLLAMA_DOWN in its dialect, and when Ollama comes
// up the terminal says so and requests go through.
import net from 'node:net'
import fs from 'node:fs'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { request } from 'undici'
import { Ollama } from 'ollama'
import OpenAI from 'openai'
import { runCli, startServe } from '../support/cli.js'
import { eventually, tempDataDir } from '../support/gateway.js'
import { startFakeOllama, type FakeOllama } from '../support/fake-ollama.js'

let serve: Awaited<ReturnType<typeof startServe>>
let dataDir: string
let ollamaPort: number
let key: string
let fake: FakeOllama | null = null

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port
      s.close(() => resolve(port))
    })
  })
}

beforeAll(async () => {
  dataDir = tempDataDir()
  ollamaPort = await freePort()
  fs.writeFileSync(
    `${dataDir}/config.json`,
    JSON.stringify({ backends: { healthIntervalMs: 500 } }),
  )
  key = JSON.parse(
    (await runCli(['keys', 'create', '--name', 'bob', '--json', '--data-dir', dataDir])).stdout,
  ).key
  serve = await startServe([
    '--data-dir',
    dataDir,
    '--host',
    '127.0.0.1',
    '--port',
    '0',
    '--control-port',
    '0',
    '--no-mdns',
    '--workers',
    '1',
    '--backend',
    `http://127.0.0.1:${ollamaPort}`,
  ])
}, 30_000)
afterAll(async () => {
  serve?.child.kill('SIGKILL')
  await fake?.close()
  fs.rmSync(dataDir, { recursive: true, force: true })
})

const gateway = () => serve.info.gateway[0]!
const auth = () => ({ authorization: `Bearer ${key}` })

describe('Corral started while Ollama is not running', () => {
  test('the terminal says it once, in words, with what to do', () => {
    const err = serve.stderr()
    const said = err.split('\n').filter((l) => l.includes('Ollama is not running'))
    expect(said).toHaveLength(1)
    expect(said[0]).toContain(`Ollama is not running at 127.0.0.1:${ollamaPort}`)
    expect(said[0]).toContain('ollama serve')
    expect(said[0]).toContain('https://ollama.com/download')
    expect(err).not.toContain('ECONNREFUSED')
  })

  test('corral status says Ollama is not running and prints the UI link with its token', async () => {
    const text = await runCli(['status', '--data-dir', dataDir])
    expect(text.stdout).toContain(`Ollama is not running at 127.0.0.1:${ollamaPort}`)
    expect(text.stdout).toContain(serve.info.ui)
    const json = JSON.parse((await runCli(['status', '--json', '--data-dir', dataDir])).stdout)
    expect(json.ollama.state).toBe('down')
  })

  test('/api/tags and /api/chat answer the same 503 in the Ollama dialect', async () => {
    for (const [method, path, body] of [
      ['GET', '/api/tags', undefined],
      ['POST', '/api/chat', JSON.stringify({ model: 'llama3.2', messages: [] })],
    ] as const) {
      const res = await request(gateway() + path, { method, headers: auth(), body })
      expect(res.statusCode, path).toBe(503)
      expect(await res.body.json(), path).toEqual({
        error: "the owner's Ollama is not running: ask them to start it (ollama serve)",
      })
    }
  })

  test('the ollama client shows the message', async () => {
    const ollama = new Ollama({ host: gateway(), headers: auth() })
    await expect(ollama.chat({ model: 'llama3.2', messages: [] })).rejects.toThrow(
      /owner's Ollama is not running/,
    )
  })

  test('/v1/models and /v1/chat/completions answer it in the OpenAI dialect', async () => {
    const openai = new OpenAI({ baseURL: `${gateway()}/v1`, apiKey: key, maxRetries: 0 })
    for (const call of [
      () => openai.models.list(),
      () => openai.chat.completions.create({ model: 'llama3.2', messages: [] }),
    ]) {
      const err = (await call().then(
        () => null,
        (e: unknown) => e,
      )) as InstanceType<typeof OpenAI.APIError>
      expect(err.status).toBe(503)
      expect(err.code).toBe('corral_err_ollama_down')
      expect(err.message).toContain("owner's Ollama is not running")
    }
  })

  test('when Ollama comes up the terminal says so and requests go through', async () => {
    fake = await startFakeOllama({ port: ollamaPort, host: '127.0.0.1' })
    await eventually(() => {
      expect(serve.stderr()).toContain(`Ollama at 127.0.0.1:${ollamaPort} is running`)
    }, 10_000)
    const res = await request(`${gateway()}/api/tags`, { headers: auth() })
    expect(res.statusCode).toBe(200)
    await res.body.dump()
  }, 15_000)
})
