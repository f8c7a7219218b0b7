/**
 * Issue 25: a web page on another origin, opened in Chromium, sent body-less
 * `fetch(..., { method: 'POST', mode: 'no-cors' })` requests to the control port that ended
 * the owner's pauses and turned LAN sharing back on (`network/share-here`). Here a page
 * served by another local server tries every kind of request a page can make without CORS
 * (no-cors fetches with and without a body, GETs, form posts, image loads) against the
 * control routes that change something, in the plain and the percent-encoded spelling:
 * every one reaches the control port, and nothing changes.
 */
import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromium, type Browser } from 'playwright-core'
import { startTestGateway, type TestGateway } from '../../support/gateway.js'
import { OFFICE } from '../../support/networks.js'
import { CHROMIUM, CHROMIUM_ARGS } from '../../e2e/support.js'

/** The script of the other origin's page: every request it can make, then `window.done`. */
function attackScript(control: string, keyId: string): string {
  const routes = [
    'resume-all',
    `keys/${keyId}/resume`,
    `keys/${keyId}/kick`,
    'network/share-here',
    'sharing',
    'keys',
    'settings',
  ]
  const prefixes = ['/control/', '/%63ontrol/', '/c%6Fntrol/', '/control/./', '/x/../control/']
  const urls = routes.flatMap((r) => prefixes.map((p) => control + p + r))
  return `
    const urls = ${JSON.stringify(urls)}
    const bodies = [undefined, '{"on":true}', '{"name":"evil","scopes":["admin"]}']
    const types = ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data']
    window.result = { answered: 0, failed: 0, forms: 0 }
    const count = (p) => p.then(() => result.answered++, () => result.failed++)
    const work = []
    for (const url of urls) {
      // What a page may send without asking (no-cors: GET and POST with a simple type).
      for (const body of bodies) work.push(count(fetch(url, { method: 'POST', mode: 'no-cors', body })))
      work.push(count(fetch(url, { mode: 'no-cors' })))
      work.push(count(fetch(url, { method: 'POST', mode: 'no-cors', credentials: 'include',
        headers: { 'content-type': 'text/plain' }, body: '{"on":true}' })))
      // What needs CORS: JSON, PUT, PATCH, DELETE. The preflight is refused, nothing is sent.
      for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
        work.push(count(fetch(url, { method, headers: { 'content-type': 'application/json' },
          body: '{"on":true}' })))
      }
      const img = new Image()
      img.src = url
    }
    // Form posts, each into its own frame, in every encoding a form has.
    for (const url of urls) {
      for (const enctype of types) {
        work.push(new Promise((resolve) => {
          const frame = document.createElement('iframe')
          frame.name = 'f' + Math.random().toString(36).slice(2)
          document.body.append(frame)
          frame.onload = () => { result.forms++; resolve() }
          const form = document.createElement('form')
          form.method = 'POST'
          form.action = url
          form.enctype = enctype
          form.target = frame.name
          const input = document.createElement('input')
          input.name = '{"on":true,"x":"'
          input.value = '"}'
          form.append(input)
          document.body.append(form)
          form.submit()
        }))
      }
    }
    Promise.all(work).then(() => { window.done = true })
  `
}

const hasChromium = fs.existsSync(CHROMIUM)

describe.skipIf(!hasChromium)('a page on another origin, in Chromium', () => {
  let gw: TestGateway
  let site: http.Server
  let browser: Browser
  let otherKey: string

  beforeAll(async () => {
    gw = await startTestGateway({
      start: { networkProbe: () => OFFICE, networkIntervalMs: 50, networkBoundDefault: false },
    })
    otherKey = (await gw.newKey({ name: 'bob' })).id
    const control = gw.running.controlUrl
    site = http.createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      res.end(
        `<!doctype html><title>Not Corral</title><body><script>${attackScript(control, otherKey)}</script>`,
      )
    })
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve))
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await new Promise((resolve) => site?.close(resolve))
    await gw?.close()
  })

  it('ends no pause, turns no sharing on and creates no key, whatever it sends', async () => {
    // The owner's state: everyone paused, bob paused, sharing off.
    expect((await gw.control('POST', '/control/pause-all', { for: null })).status).toBe(200)
    expect((await gw.control('POST', `/control/keys/${otherKey}/pause`, {})).status).toBe(200)
    expect((await gw.control('POST', '/control/sharing', { on: false })).status).toBe(200)
    expect(gw.running.sharing.isOn()).toBe(false)
    const configFile = path.join(gw.dataDir, 'config.json')
    const before = fs.readFileSync(configFile, 'utf8')

    // Not loopbackContext: Playwright's request interception answers CORS preflights itself.
    const context = await browser.newContext()
    const page = await context.newPage()
    await page.goto(`http://127.0.0.1:${(site.address() as AddressInfo).port}/`)
    await page.waitForFunction('window.done === true', undefined, { timeout: 60_000 })
    const result = await page.evaluate<{ answered: number; failed: number; forms: number }>(
      'window.result',
    )
    // 35 URLs: each no-cors request reached the control port and was answered (an opaque
    // response); each CORS one failed at its preflight; each form post loaded its frame.
    expect(result).toEqual({ answered: 35 * 5, failed: 35 * 4, forms: 35 * 3 })
    await context.close()
    await new Promise((r) => setTimeout(r, 300))

    expect(fs.readFileSync(configFile, 'utf8')).toBe(before)
    expect(gw.running.sharing.isOn()).toBe(false)
    const keys = await gw.control<Array<{ name: string }>>('GET', '/control/keys')
    expect(keys.body.map((k) => k.name).sort()).toEqual(['alice', 'bob'])
  }, 120_000)
})
