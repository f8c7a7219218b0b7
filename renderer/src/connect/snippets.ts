// Ready-made settings for the apps people connect with, built from the
// gateway's address and the key from the QR code. Pure: tested on its own.

import { ollamaCliSnippet } from './ollama-cli-snippet.js'

export interface SnippetField {
  label: string
  value: string
}

export interface SnippetBlock {
  label: string
  code: string
}

export interface Snippet {
  id: string
  title: string
  intro: string
  fields?: SnippetField[]
  blocks?: SnippetBlock[]
}

export interface ConnectInfo {
  /** The gateway's origin, e.g. `http://192.168.1.20:11435` (the page's own origin). */
  origin: string
  key: string
  /** A model to put in examples. */
  model: string
}

/** The key as a placeholder when the page was opened without one. */
export const KEY_PLACEHOLDER = 'YOUR_KEY'

export function baseUrls(origin: string): { ollama: string; openai: string } {
  const o = origin.replace(/\/+$/, '')
  return { ollama: o, openai: `${o}/v1` }
}

/** `http://corral:KEY@host:port` for apps that take only a URL (HTTP Basic, the key as password). */
export function urlWithKey(origin: string, key: string): string {
  const u = new URL(origin)
  u.username = 'corral'
  u.password = key
  return u.toString().replace(/\/$/, '')
}

/** Single-quoted for a POSIX shell. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`
}

export function buildSnippets({ origin, key, model }: ConnectInfo): Snippet[] {
  const { ollama, openai } = baseUrls(origin)
  // Over HTTPS curl is given the certificate (see "Certificate" on the page).
  const ca = origin.startsWith('https:') ? '--cacert corral.pem ' : ''
  const js = JSON.stringify
  const body = js({ model, messages: [{ role: 'user', content: 'Hello!' }] })
  return [
    {
      id: 'curl',
      title: 'curl',
      intro: 'Check from a terminal: this asks the model for an answer.',
      blocks: [
        {
          label: 'OpenAI-compatible',
          code: [
            `curl ${ca}${openai}/chat/completions \\`,
            `  -H ${shellQuote(`Authorization: Bearer ${key}`)} \\`,
            `  -H 'Content-Type: application/json' \\`,
            `  -d ${shellQuote(body)}`,
          ].join('\n'),
        },
        {
          label: 'Ollama API: list the models',
          code: `curl ${ca}${ollama}/api/tags -H ${shellQuote(`Authorization: Bearer ${key}`)}`,
        },
      ],
    },
    ollamaCliSnippet(ollama),
    {
      id: 'open-webui',
      title: 'Open WebUI',
      intro:
        'Admin Panel → Settings → Connections → OpenAI API: add a connection with these values. Or start it with the environment variables below.',
      fields: [
        { label: 'URL', value: openai },
        { label: 'Key', value: key },
      ],
      blocks: [
        {
          label: 'docker run',
          code: `docker run -d -p 3000:8080 \\\n  -e OPENAI_API_BASE_URL=${openai} \\\n  -e OPENAI_API_KEY=${key} \\\n  ghcr.io/open-webui/open-webui:main`,
        },
      ],
    },
    {
      id: 'aider',
      title: 'Aider',
      intro: 'Aider talks to Corral as an OpenAI-compatible server: prefix the model with openai/.',
      blocks: [
        {
          label: 'Shell',
          code: `export OPENAI_API_BASE=${openai}\nexport OPENAI_API_KEY=${key}\naider --model openai/${model}`,
        },
      ],
    },
    {
      id: 'lm-studio',
      title: 'LM Studio and other apps',
      intro:
        'In an app with an “OpenAI-compatible” or “custom OpenAI” provider (LM Studio, Continue, Jan, Msty, Chatbox…), enter:',
      fields: [
        { label: 'Base URL', value: openai },
        { label: 'API key', value: key },
        { label: 'Model', value: model },
      ],
    },
    {
      id: 'openai-python',
      title: 'OpenAI SDK (Python)',
      intro: 'pip install openai',
      blocks: [
        {
          label: 'Python',
          code: [
            'from openai import OpenAI',
            '',
            `client = OpenAI(base_url=${js(openai)}, api_key=${js(key)})`,
            'reply = client.chat.completions.create(',
            `    model=${js(model)},`,
            '    messages=[{"role": "user", "content": "Hello!"}],',
            ')',
            'print(reply.choices[0].message.content)',
          ].join('\n'),
        },
      ],
    },
    {
      id: 'openai-js',
      title: 'OpenAI SDK (JavaScript)',
      intro: 'npm install openai',
      blocks: [
        {
          label: 'JavaScript',
          code: [
            "import OpenAI from 'openai'",
            '',
            `const client = new OpenAI({ baseURL: ${js(openai)}, apiKey: ${js(key)} })`,
            'const reply = await client.chat.completions.create({',
            `  model: ${js(model)},`,
            "  messages: [{ role: 'user', content: 'Hello!' }],",
            '})',
            'console.log(reply.choices[0].message.content)',
          ].join('\n'),
        },
      ],
    },
    {
      id: 'ollama-python',
      title: 'ollama (Python)',
      intro: 'pip install ollama',
      blocks: [
        {
          label: 'Python',
          code: [
            'from ollama import Client',
            '',
            `client = Client(host=${js(ollama)}, headers={"Authorization": ${js(`Bearer ${key}`)}})`,
            `reply = client.chat(model=${js(model)}, messages=[{"role": "user", "content": "Hello!"}])`,
            'print(reply.message.content)',
          ].join('\n'),
        },
      ],
    },
    {
      id: 'ollama-js',
      title: 'ollama (JavaScript)',
      intro: 'npm install ollama',
      blocks: [
        {
          label: 'JavaScript',
          code: [
            "import { Ollama } from 'ollama'",
            '',
            `const ollama = new Ollama({ host: ${js(ollama)}, headers: { Authorization: ${js(`Bearer ${key}`)} } })`,
            `const reply = await ollama.chat({ model: ${js(model)}, messages: [{ role: 'user', content: 'Hello!' }] })`,
            'console.log(reply.message.content)',
          ].join('\n'),
        },
      ],
    },
    {
      id: 'phone',
      title: 'Phone apps',
      intro:
        'Apps that ask for an Ollama server (Enchanted, Reins, Ollama App…): use the server URL and the key. If the app takes only a URL, use the one with the key in it.',
      fields: [
        { label: 'Server URL', value: ollama },
        { label: 'API key', value: key },
        { label: 'URL with the key', value: urlWithKey(origin, key) },
      ],
    },
  ]
}
