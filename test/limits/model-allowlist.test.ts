import { describe, expect, test } from 'vitest'
import { canonicalModelName, compileModelAllowlist } from '../../gateway/limits/index.js'

describe('model allowlist', () => {
  test.each<[string[], string, boolean]>([
    // [patterns, requested model, allowed]
    [[], 'anything:7b', true],
    [[], 'llama3.2', true],
    [['llama3.2'], 'llama3.2', true],
    [['llama3.2'], 'llama3.2:latest', true],
    [['llama3.2:latest'], 'llama3.2', true],
    [['llama3.2'], 'llama3.2:1b', false],
    [['llama3.2'], 'llama3.1', false],
    [['llama3.2'], 'llama3.22', false],
    [['llama3.2:1b'], 'llama3.2:1b', true],
    [['llama3.2:1b'], 'llama3.2', false],
    [['llama3.2:*'], 'llama3.2', true],
    [['llama3.2:*'], 'llama3.2:latest', true],
    [['llama3.2:*'], 'llama3.2:3b-instruct-q4_K_M', true],
    [['llama3.2:*'], 'llama3.1:8b', false],
    [['llama3.2:*'], 'llama3.2-vision:11b', false],
    [['qwen3:*', 'gemma3:4b'], 'gemma3:4b', true],
    [['qwen3:*', 'gemma3:4b'], 'gemma3:12b', false],
    [['qwen3:*', 'gemma3:4b'], 'qwen3:0.6b', true],
    [['Llama3.2'], 'LLAMA3.2:LATEST', true],
    [['llama3.2'], 'library/llama3.2', true],
    [['llama3.2'], 'registry.ollama.ai/library/llama3.2:latest', true],
    [['registry.ollama.ai/library/llama3.2'], 'llama3.2', true],
    [['hf.co/bartowski/model-gguf:*'], 'hf.co/bartowski/model-gguf:Q4_K_M', true],
    [['hf.co/bartowski/model-gguf:*'], 'hf.co/bartowski/other-gguf:Q4_K_M', false],
    [['localhost:5000/team/model'], 'localhost:5000/team/model:latest', true],
    [['localhost:5000/team/model'], 'localhost:5000/team/model:v2', false],
    [['*'], 'whatever:tag', true],
    [['llama3.2'], '', false],
    [['llama3.2'], '   ', false],
  ])('patterns %j allow %j: %s', (patterns, model, allowed) => {
    expect(compileModelAllowlist(patterns)(model)).toBe(allowed)
  })

  test.each([
    ['llama3.2', 'llama3.2:latest'],
    ['llama3.2:1b', 'llama3.2:1b'],
    ['library/mistral', 'mistral:latest'],
    ['localhost:5000/m', 'localhost:5000/m:latest'],
  ])('%j is the same model as %j', (model, canonical) => {
    expect(canonicalModelName(model)).toBe(canonical)
  })
})
