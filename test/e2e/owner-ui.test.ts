// The owner's controls in Debian's Chromium, against a real Corral and the stand-in
// backend: the live table shows a running stream, Kick ends it (the client sees the error
// frame, the backend the abort), a key paused from the Keys view is refused, and
// "Pause everyone but me" shows until resumed. Each step saves a screenshot.
import fs from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromium, type Browser, type Page } from 'playwright-core'
import { Ollama } from 'ollama'
import { request } from 'undici'
import type { RunningCorral } from '../../gateway/server.js'
import { createKey } from '../../gateway/auth/manage.js'
import type { FakeOllama } from '../support/fake-ollama.js'
import { eventually } from '../support/gateway.js'
import {
  CHROMIUM,
  CHROMIUM_ARGS,
  loopbackContext,
  screenshot,
  startUiCorral,
  type UiCorral,
} from './support.js'

const hasChromium = fs.existsSync(CHROMIUM)

describe.skipIf(!hasChromium)('the owner’s controls in Chromium', () => {
  let ui: UiCorral
  let fake: FakeOllama
  let corral: RunningCorral
  let browser: Browser
  let page: Page
  let gatewayUrl = ''
  const keys: Record<string, string> = {}

  beforeAll(async () => {
    ui = await startUiCorral()
    ;({ fake, corral, gatewayUrl } = ui)
    // A long, steady stream: it is still running when the table is read and Kick clicked.
    fake.options.frames = 5000
    fake.options.frameIntervalMs = 40
    for (const name of ['alice', 'bob']) {
      keys[name] = (await createKey((m) => corral.corral.update(m), { name })).key
    }
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
    const { context } = await loopbackContext(browser, { viewport: { width: 1100, height: 800 } })
    page = await context.newPage()
    page.setDefaultTimeout(8000)
    await page.goto(corral.uiUrl)
    await page.waitForSelector('h1:text-is("Share")')
  }, 240_000)

  afterAll(async () => {
    await browser?.close()
    await ui?.close()
  })

  it('shows a running stream in the live table, and Kick ends it with the error frame', async () => {
    const ollama = new Ollama({
      host: gatewayUrl,
      headers: { Authorization: `Bearer ${keys.alice}` },
    })
    const stream = await ollama.chat({
      model: 'llama3.2',
      messages: [{ role: 'user', content: 'tell me a long story' }],
      stream: true,
    })
    let parts = 0
    const reading = (async () => {
      for await (const _part of stream) parts++
    })().then(
      () => null,
      (e: unknown) => e,
    )
    const row = page.locator('table[aria-label="Requests in flight, by key"] tr[data-key="alice"]')
    await row.waitFor()
    await expect.poll(() => row.locator('td').nth(2).textContent()).toBe('llama3.2')
    await expect
      .poll(async () => Number(await row.locator('td').nth(4).textContent()))
      .toBeGreaterThan(5)
    expect(await row.locator('td').nth(1).textContent()).toContain('127.0.0.1')
    const file = await screenshot(page, 'owner-live-table', { scrollTo: '.who-card' })
    expect(fs.statSync(file).size).toBeGreaterThan(10_000)

    await page.click('button[aria-label="Kick alice"]')
    const err = await reading
    expect((err as Error).message).toBe('cancelled by the owner')
    expect(parts).toBeGreaterThan(5)
    await fake.waitFor((r) => r.path === '/api/chat' && r.aborted, 1000)
    await page.waitForSelector('.who-card >> text=Nobody is using it right now.')
    await screenshot(page, 'owner-after-kick', { scrollTo: '.who-card' })
  })

  it('pauses a key from the Keys view: its next request is refused until Resume', async () => {
    await page.click('nav >> text=Keys')
    await page.waitForSelector('h1:text-is("Keys")')
    await page.click('role=button[name="Actions for bob"]')
    await page.click('role=menuitem[name="Pause…"]')
    await page.getByRole('radio', { name: '15 min' }).check()
    await page.click('.dialog-footer >> button:text-is("Pause")')
    await page.waitForSelector('.badge-warning >> text=paused until')
    await screenshot(page, 'owner-key-paused')
    const refused = await request(`${gatewayUrl}/api/tags`, {
      headers: { authorization: `Bearer ${keys.bob}` },
    })
    expect(refused.statusCode).toBe(503)
    expect(await refused.body.json()).toEqual({
      error: expect.stringMatching(/^paused by the owner until /),
    })

    await page.click('role=button[name="Actions for bob"]')
    await page.click('role=menuitem[name="Resume"]')
    await page.waitForSelector('.toast >> text=“bob” works again.')
    const served = await request(`${gatewayUrl}/api/tags`, {
      headers: { authorization: `Bearer ${keys.bob}` },
    })
    expect(served.statusCode).toBe(200)
    await served.body.dump()
  })

  it('"Pause everyone but me" shows a banner until Resume everyone', async () => {
    await page.click('nav >> text=Share')
    await page.click('button:text-is("Pause everyone but me")')
    await page.click('.dialog-footer >> button:text-is("Pause")')
    await page.waitForSelector('.who-card .banner >> text=Everyone but you is paused')
    await screenshot(page, 'owner-everyone-paused', { scrollTo: '.who-card' })
    await eventually(() => expect(corral.corral.config.owner.everyone).not.toBeNull())
    await page.click('button:text-is("Resume everyone")')
    await page.waitForSelector('button:text-is("Pause everyone but me")')
    expect(corral.corral.config.owner.everyone).toBeNull()
  })
})
