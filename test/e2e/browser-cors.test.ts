/**
 * Browser apps call the gateway from a page on another origin. Before, a preflight (OPTIONS, no
 * key) was refused, so no browser client worked; and a page's Origin went on to the backend, where
 * a loopback Ollama answers 403 to an origin outside OLLAMA_ORIGINS. Now `server.allowedOrigins`
 * (Ollama's defaults) decides on the gateway, as Ollama's own CORS layer does.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromium, type Browser } from 'playwright-core'
import { CHROMIUM, CHROMIUM_ARGS } from './support.js'
import { startTestGateway, type TestGateway } from '../support/gateway.js'

let gw: TestGateway
let browser: Browser
const pages: http.Server[] = []

/** A page server on `host`: its origin is `http://host:port`. */
async function pageServer(host: string): Promise<string> {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>app</title>')
  })
  await new Promise<void>((resolve) => server.listen(0, host, resolve))
  pages.push(server)
  return `http://${host}:${(server.address() as AddressInfo).port}`
}

beforeAll(async () => {
  gw = await startTestGateway()
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
})
afterAll(async () => {
  await browser?.close()
  for (const s of pages) s.close()
  await gw.close()
})

/** Runs a chat request from a page at `origin`: the status, or the browser's error. */
async function chatFrom(origin: string): Promise<string> {
  const page = await browser.newPage()
  try {
    await page.goto(`${origin}/`)
    return await page.evaluate(
      async ([url, key]) => {
        try {
          const res = await fetch(`${url}/api/chat`, {
            method: 'POST',
            headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
            body: JSON.stringify({
              model: 'llama3.2',
              messages: [{ role: 'user', content: 'hi' }],
              stream: false,
            }),
          })
          const body = (await res.json()) as { message?: { content?: string } }
          return `${res.status} ${body.message?.content ?? ''}`
        } catch (err) {
          return `failed: ${String(err)}`
        }
      },
      [gw.url, gw.key] as const,
    )
  } finally {
    await page.close()
  }
}

describe('browser clients (CORS)', () => {
  it('a page on an allowed origin (localhost, any port) chats through the gateway', async () => {
    const origin = await pageServer('localhost')
    const out = await chatFrom(origin)
    expect(out).toMatch(/^200 b0-tok0/)
    const seen = await gw.fakes[0]!.waitFor((r) => r.path === '/api/chat')
    expect(seen.headers.origin).toBeUndefined()
  })

  it('a page on another origin is refused: 403 with an empty body, and the browser blocks it', async () => {
    const origin = await pageServer('127.0.0.2')
    gw.fakes[0]!.reset()
    expect(await chatFrom(origin)).toMatch(/^failed: TypeError/)
    const res = await fetch(`${gw.url}/api/tags`, {
      headers: { origin, authorization: `Bearer ${gw.key}` },
    })
    expect(res.status).toBe(403)
    expect(await res.text()).toBe('')
    expect(gw.fakes[0]!.requests.filter((r) => r.path === '/api/chat')).toHaveLength(0)
  })

  it('a preflight needs no key and names what the page may send', async () => {
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'OPTIONS',
      headers: {
        origin: 'app://obsidian.md',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type,x-stainless-os',
      },
    })
    expect(res.status).toBe(204)
    expect(res.headers.get('access-control-allow-origin')).toBe('app://obsidian.md')
    expect(res.headers.get('access-control-allow-headers')).toContain('x-stainless-os')
  })
})
