// Issue 25: the connect page takes the key out of the address bar once it has read it, in
// Debian's Chromium against the real built page and gateway: the key stays on the page, not
// in the URL, the history entry or anything the browser syncs. Screenshots in
// test-results/screenshots/connect-key-removed-*.png.
import fs from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromium, type Browser, type BrowserContext } from 'playwright-core'
import { request } from 'undici'
import {
  CHROMIUM,
  CHROMIUM_ARGS,
  loopbackContext,
  SCREENSHOT_DIR,
  startUiCorral,
  type UiCorral,
} from './support.js'

const hasChromium = fs.existsSync(CHROMIUM)

describe.skipIf(!hasChromium)('the connect page in Chromium', () => {
  let ui: UiCorral
  let browser: Browser
  let context: BrowserContext
  let key = ''

  beforeAll(async () => {
    ui = await startUiCorral()
    const res = await request(`${ui.corral.controlUrl}/control/keys`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${ui.corral.token}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ name: 'phone' }),
    })
    key = ((await res.body.json()) as { key: string }).key
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
    ;({ context } = await loopbackContext(browser))
  }, 240_000)

  afterAll(async () => {
    await browser?.close()
    await ui?.close()
  })

  it.each([
    [1280, 800],
    [390, 844],
  ])('shows the key but removes it from the address bar and history (%ix%i)', async (w, h) => {
    const page = await context.newPage()
    await page.setViewportSize({ width: w, height: h })
    await page.goto(`${ui.gatewayUrl}/connect#key=${encodeURIComponent(key)}`)
    await page.waitForSelector('text=Connected')
    expect((await page.textContent('[data-testid=key]'))?.trim()).toBe(key)
    expect(page.url()).toBe(`${ui.gatewayUrl}/connect`)
    expect(await page.evaluate('location.href')).not.toContain(key)
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true })
    await page.screenshot({ path: `${SCREENSHOT_DIR}/connect-key-removed-${w}.png` })
    // The entry was rewritten in place: Back leads to the page before, not to the key's URL.
    await page.goBack()
    expect(page.url()).toBe('about:blank')
    await page.close()
  })
})
