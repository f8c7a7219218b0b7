import { describe, expect, test } from 'vitest'
import { backendIdentity, normalizeBackendUrl } from '../../gateway/import/index.js'

describe('backend address normalization', () => {
  test.each([
    ['192.168.1.101:11434', 'http://192.168.1.101:11434', false],
    ['ollama-gpu2.internal:11434', 'http://ollama-gpu2.internal:11434', false],
    ['192.168.1.104', 'http://192.168.1.104:11434', true],
    ['Ollama-Box.LAN', 'http://ollama-box.lan:11434', true],
    ['[fd00::12]:11434', 'http://[fd00::12]:11434', false],
    ['[fd00::12]', 'http://[fd00::12]:11434', true],
    ['fd00::12', 'http://[fd00::12]:11434', true],
    ['http://localhost:11434/', 'http://localhost:11434', false],
    ['http://localhost:11434//', 'http://localhost:11434', false],
    ['http://gpu.lan', 'http://gpu.lan:80', false],
    ['https://gpu.example.com/', 'https://gpu.example.com:443', false],
    ['HTTP://GPU.LAN:11434', 'http://gpu.lan:11434', false],
    ['  10.0.0.5:8000  ', 'http://10.0.0.5:8000', false],
    ['http://proxy.lan:8080/ollama/', 'http://proxy.lan:8080/ollama', false],
  ])('%s becomes %s', (input, url, assumedPort) => {
    expect(normalizeBackendUrl(input)).toMatchObject({ ok: true, url, assumedPort })
  })

  test.each([
    ['', /empty/],
    ['ftp://files.lan/', /scheme "ftp"/],
    ['http://user:pass@gpu.lan:11434', /credentials/],
    ['http://gpu.lan:11434/?x=1', /query string/],
    ['gpu lan:11434', /not a valid address/],
  ])('%j is refused', (input, reason) => {
    const n = normalizeBackendUrl(input)
    expect(n.ok).toBe(false)
    if (!n.ok) expect(n.reason).toMatch(reason)
  })

  test('localhost, 127.0.0.1 and [::1] on the same port are the same backend', () => {
    const ids = ['http://localhost:11434/', '127.0.0.1:11434', 'http://[::1]:11434'].map(
      backendIdentity,
    )
    expect(new Set(ids).size).toBe(1)
    expect(backendIdentity('localhost:11500')).not.toBe(ids[0])
  })
})
