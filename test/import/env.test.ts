import { describe, expect, test } from 'vitest'
import { parseImportFile, planFromEnv } from '../../gateway/import/index.js'
import { messages, parseFixture } from './helpers.js'

describe('environment variables', () => {
  test("reads Corral's own variables; keys are accepted as they are", () => {
    const plan = planFromEnv({
      CORRAL_API_KEYS: 'crl_abcdefghijklmnop, legacy-token-with-pad==,',
      CORRAL_BACKENDS: 'http://gpu1.lan:11434/, gpu2.lan:11500',
      CORRAL_PORT: '8080',
      CORRAL_PULL: 'llama3.2, nomic-embed-text',
      PATH: '/usr/bin',
    })
    const at = { source: 'env', file: '(environment)' }
    expect(plan.keys).toEqual([
      { key: 'crl_abcdefghijklmnop', name: '', ...at },
      { key: 'legacy-token-with-pad==', name: '', ...at },
    ])
    expect(plan.backends).toEqual([
      { url: 'http://gpu1.lan:11434', name: 'gpu1.lan:11434', ...at },
      { url: 'http://gpu2.lan:11500', name: 'gpu2.lan:11500', ...at },
    ])
    expect(plan.settings).toEqual({
      server: { port: 8080 },
      ensureModels: [
        { model: 'llama3.2', backends: [] },
        { model: 'nomic-embed-text', backends: [] },
      ],
    })
    expect(plan.notes).toEqual([])
  })

  test("reads the one-token Docker image's AUTH_TOKEN and OLLAMA_MODEL as aliases, with notes", () => {
    const plan = planFromEnv({ AUTH_TOKEN: 'my_secure_token_123', OLLAMA_MODEL: 'llama2:7b' })
    expect(plan.keys.map((k) => [k.key, k.source])).toEqual([['my_secure_token_123', 'env']])
    expect(plan.settings).toEqual({ ensureModels: [{ model: 'llama2:7b', backends: [] }] })
    expect(messages(plan, 'info')).toEqual([
      expect.stringMatching(/AUTH_TOKEN .* imported as a key/),
      expect.stringMatching(/port 7860/),
      expect.stringMatching(/OLLAMA_MODEL .* llama2:7b/),
    ])
  })

  test('a model in both CORRAL_PULL and OLLAMA_MODEL is pulled once', () => {
    const plan = planFromEnv({ CORRAL_PULL: 'llama2:7b,phi', OLLAMA_MODEL: 'llama2:7b' })
    expect(plan.settings.ensureModels).toEqual([
      { model: 'llama2:7b', backends: [] },
      { model: 'phi', backends: [] },
    ])
  })

  test('an empty environment gives an empty plan and no notes', () => {
    expect(planFromEnv({})).toEqual({ keys: [], backends: [], settings: {}, notes: [] })
  })

  test('notes a port that is not a port and a token too short to be a key', () => {
    const plan = planFromEnv({ CORRAL_PORT: 'eighty', AUTH_TOKEN: 'abc' })
    expect(plan.settings).toEqual({})
    expect(plan.keys).toEqual([])
    expect(messages(plan, 'warn')).toEqual([
      expect.stringMatching(/shorter than 8 characters/),
      expect.stringMatching(/CORRAL_PORT .* = "eighty" not imported/),
    ])
  })

  test("reads a docker --env-file for the one-token image, with each variable's line", () => {
    const plan = parseFixture('docker.env')
    expect(plan.keys).toEqual([
      { key: 'my_secure_token_123', name: '', source: 'env', file: 'docker.env', line: 2 },
    ])
    expect(plan.settings).toEqual({ ensureModels: [{ model: 'llama2:7b', backends: [] }] })
  })

  test("reads the environment: list of the Docker image's docker-compose.yml", () => {
    const plan = parseFixture('docker-compose.yml')
    expect(plan.keys.map((k) => [k.key, k.line])).toEqual([['your_very_secure_token_here', 8]])
    expect(plan.settings).toEqual({ ensureModels: [{ model: 'llama2:7b', backends: [] }] })
    expect(messages(plan, 'warn')).toEqual([])
  })

  test('reads a .env file with export, quotes and comments, noting variables it ignores', () => {
    const plan = parseFixture('corral.env')
    expect(plan.keys.map((k) => [k.key, k.line])).toEqual([
      ['crl_team-key-one-AAAAAAAA', 2],
      ['legacy-token-ZZZZ9999', 2],
    ])
    expect(plan.backends.map((b) => b.url)).toEqual([
      'http://gpu1.lan:11434',
      'http://gpu2.lan:11434',
      'http://10.0.0.9:11500',
    ])
    expect(plan.settings).toEqual({
      server: { port: 8080 },
      ensureModels: [
        { model: 'llama3.2', backends: [] },
        { model: 'nomic-embed-text', backends: [] },
      ],
    })
    expect(plan.notes.map((n) => [n.level, n.line, n.message])).toEqual(
      expect.arrayContaining([
        ['info', 6, 'OLLAMA_HOST ignored: not a setting corral import reads'],
        ['info', 3, expect.stringMatching(/"gpu2.lan" has no port: assumed Ollama's 11434/)],
        ['info', 2, expect.stringMatching(/repeats the one at corral.env:2/)],
      ]),
    )
  })

  test('a value taken from the shell (${VAR}) is noted, never imported as a key', () => {
    const plan = parseImportFile('.env', 'AUTH_TOKEN=${AUTH_TOKEN}\nOLLAMA_MODEL=$MODEL\n')
    expect(plan.keys).toEqual([])
    expect(plan.settings).toEqual({})
    expect(messages(plan, 'warn')).toEqual([
      expect.stringMatching(/AUTH_TOKEN comes from the shell/),
      expect.stringMatching(/OLLAMA_MODEL comes from the shell/),
      'nothing to import in this file',
    ])
  })
})
