// @vitest-environment jsdom
import { afterEach, describe, expect, it } from 'vitest'
import { cleanup, render, screen, within } from '@testing-library/react'
import { ConnectPage, exampleModel, keyFromHash } from '../../renderer/src/connect/connect-page.js'
import { buildSnippets, shellQuote, urlWithKey } from '../../renderer/src/connect/snippets.js'

afterEach(cleanup)

const KEY = 'crl_h3Y-x_Qq0123456789abcdefghijklmnopqrstuvw'
/** Nothing listens on port 9 of loopback: a real refused connection, no mocked fetch. */
const CLOSED = 'http://127.0.0.1:9'

describe('connect page', () => {
  it('shows the key and both base URLs from the link, each with a copy button', () => {
    render(<ConnectPage origin={CLOSED} hash={`#key=${encodeURIComponent(KEY)}`} />)
    expect(screen.getByTestId('key').textContent).toBe(KEY)
    expect(screen.getByTestId('ollama-url').textContent).toBe(CLOSED)
    expect(screen.getByTestId('openai-url').textContent).toBe(`${CLOSED}/v1`)
    const essentials = screen.getByRole('region', { name: 'Your connection' })
    expect(within(essentials).getByRole('button', { name: 'Copy: API key' })).toBeTruthy()
    expect(within(essentials).getByRole('button', { name: 'Copy: Ollama URL' })).toBeTruthy()
    expect(
      within(essentials).getByRole('button', { name: 'Copy: OpenAI-compatible URL' }),
    ).toBeTruthy()
  })

  it('has settings for every app people connect with', () => {
    render(<ConnectPage origin={CLOSED} hash={`#key=${KEY}`} />)
    const titles = [...document.querySelectorAll('.snippet-title')].map((t) => t.textContent)
    expect(titles).toEqual([
      'curl',
      'ollama (command line)',
      'Open WebUI',
      'Aider',
      'LM Studio and other apps',
      'OpenAI SDK (Python)',
      'OpenAI SDK (JavaScript)',
      'ollama (Python)',
      'ollama (JavaScript)',
      'Phone apps',
    ])
    const curl = screen.getByTestId('snippet-curl')
    expect((curl as HTMLDetailsElement).open).toBe(true)
    expect(within(curl).getAllByRole('button', { name: /^Copy: curl/ })).toHaveLength(2)
  })

  it('says when the gateway cannot be reached', async () => {
    render(<ConnectPage origin={CLOSED} hash={`#key=${KEY}`} />)
    const alert = await screen.findByRole('alert', {}, { timeout: 5000 })
    expect(alert.textContent).toContain('The gateway did not answer')
    expect(within(alert).getByRole('button', { name: 'Try again' })).toBeTruthy()
  })

  it('explains a link without a key and shows where the key goes', () => {
    render(<ConnectPage origin={CLOSED} hash="" />)
    expect(screen.getByRole('alert').textContent).toContain('No key in this link')
    expect(screen.getByTestId('key').textContent).toBe('YOUR_KEY')
  })
})

describe('connect snippets', () => {
  const snippets = buildSnippets({
    origin: 'http://192.168.1.5:11435',
    key: KEY,
    model: 'llama3.2:latest',
  })
  const code = (id: string) =>
    snippets
      .find((s) => s.id === id)!
      .blocks!.map((b) => b.code)
      .join('\n')

  it('gives a curl command for the OpenAI-compatible API with the key in a header', () => {
    expect(code('curl')).toContain(
      `curl http://192.168.1.5:11435/v1/chat/completions \\\n  -H 'Authorization: Bearer ${KEY}' \\`,
    )
    expect(code('curl')).toContain(
      `-d '{"model":"llama3.2:latest","messages":[{"role":"user","content":"Hello!"}]}'`,
    )
  })

  it('configures the SDKs with the right base URL for their API', () => {
    expect(code('openai-python')).toContain(
      `OpenAI(base_url="http://192.168.1.5:11435/v1", api_key="${KEY}")`,
    )
    expect(code('openai-js')).toContain(
      `new OpenAI({ baseURL: "http://192.168.1.5:11435/v1", apiKey: "${KEY}" })`,
    )
    expect(code('ollama-python')).toContain(
      `Client(host="http://192.168.1.5:11435", headers={"Authorization": "Bearer ${KEY}"})`,
    )
    expect(code('ollama-js')).toContain(
      `host: "http://192.168.1.5:11435", headers: { Authorization: "Bearer ${KEY}" }`,
    )
    expect(code('aider')).toContain('aider --model openai/llama3.2:latest')
    expect(code('open-webui')).toContain('OPENAI_API_BASE_URL=http://192.168.1.5:11435/v1')
  })

  it('gives phone apps that take only a URL one with the key as the password', () => {
    const phone = snippets.find((s) => s.id === 'phone')!
    expect(phone.fields!.find((f) => f.label === 'URL with the key')!.value).toBe(
      `http://corral:${KEY}@192.168.1.5:11435`,
    )
    expect(urlWithKey('http://[fd00::5]:11435', 'crl_a')).toBe(
      'http://corral:crl_a@[fd00::5]:11435',
    )
  })

  it('quotes for the shell safely', () => {
    expect(shellQuote("it's")).toBe(`'it'\\''s'`)
  })

  it.each([
    ['#key=crl_abc', 'crl_abc'],
    ['#foo=1&key=crl%2Dx', 'crl-x'],
    ['#token=x', null],
    ['', null],
  ])('reads the key from %j', (hash, key) => {
    expect(keyFromHash(hash)).toBe(key)
  })

  it('picks a chat model, not an embedding model, for the examples', () => {
    expect(exampleModel(['nomic-embed-text:latest', 'qwen2.5:0.5b'])).toBe('qwen2.5:0.5b')
    expect(exampleModel([])).toBe('llama3.2')
  })
})
