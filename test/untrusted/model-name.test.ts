// Ollama's model-name grammar as Corral checks it before recording a `model` (issue 25:
// unbounded client strings). Cases from ollama types/model/name_test.go, read with
// ParseName's defaults (a bare `model` gets host, namespace and tag), and the source
// suffixes of ollama internal/modelref/modelref.go.
import { describe, expect, test } from 'vitest'
import {
  INVALID_MODEL_NAME,
  MODEL_NAME_MAX_CHARS,
  boundModelName,
  isOllamaModelName,
} from '../../gateway/untrusted/model-name.js'
import { TRUNCATION_MARK, boundText } from '../../gateway/untrusted/bounds.js'

const part80 = 'x'.repeat(80)
const part350 = 'h'.repeat(350)

describe('names Ollama serves are kept as sent', () => {
  test.each([
    'llama3.2',
    'llama3.2:latest',
    'qwen2.5:0.5b',
    'mistral:7b-instruct-q4_K_M',
    'library/llama3.2',
    'registry.ollama.ai/library/llama3.2:latest',
    'hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M',
    'host:https/namespace/model:tag',
    'localhost:5000/team/model:v1',
    'https://registry.example.com/team/model:v1',
    '_why/_the/_lucky:_stiff',
    'gpt-oss:20b:cloud',
    'gpt-oss:120b-cloud',
    'gpt-oss:20b:local',
    '  llama3.2  ',
    `${part350}/${part80}/${part80}:${part80}`,
  ])('%s', (name) => {
    expect(isOllamaModelName(name)).toBe(true)
    expect(boundModelName(name)).toBe(name.trim())
    expect(boundModelName(name).length).toBeLessThanOrEqual(MODEL_NAME_MAX_CHARS)
  })
})

describe('anything else is recorded as the placeholder', () => {
  test.each([
    ['empty', ''],
    ['a tag promised but missing', 'mm:'],
    ['a namespace promised but missing', '/nn/mm'],
    ['slashes only', '//'],
    ['an empty namespace', 'hh//mm'],
    ['a digest form', 'm@d'],
    ['not starting with a letter, digit or _', '-hh/nn/mm:tt'],
    ['a dot in the namespace', 'hh/n.n/mm:tt'],
    ['a colon before the tag', 'host/name:space/model:tag'],
    ['four parts', 'a/b/c/d'],
    ['a scheme other than http(s)', 'ftp://host/ns/model'],
    ['a scheme without a host', 'https://ns/model'],
    ['a part longer than 80', `${part80}y`],
    ['a host longer than 350', `${part350}h/ns/model`],
    ['an escape sequence', 'llama\u001b[2J'],
    ['a C1 control', 'llama\u009b31m'],
    ['a bidi override', 'llama\u202e'],
    ['a newline', 'llama\nforged line'],
    ['a space inside', 'llama 3'],
    ['non-ASCII', 'llamä'],
    ['five megabytes', 'a'.repeat(5 * 1024 * 1024)],
  ])('%s', (_why, name) => {
    expect(isOllamaModelName(name)).toBe(false)
    expect(boundModelName(name)).toBe(INVALID_MODEL_NAME)
  })
})

describe('boundText cuts long text with a marker and keeps short text as it is', () => {
  test('short text is returned as is', () => {
    expect(boundText('curl/8.5.0', 200)).toBe('curl/8.5.0')
  })
  test('long text is cut to the bound, the marker counted', () => {
    const out = boundText('u'.repeat(5_000_000), 200)
    expect(out).toHaveLength(200)
    expect(out.endsWith(TRUNCATION_MARK)).toBe(true)
  })
  test('a surrogate pair at the cut is not split', () => {
    const out = boundText('a'.repeat(8) + '😀'.repeat(10), 10)
    expect(out).toBe('a'.repeat(8) + TRUNCATION_MARK)
  })
})
