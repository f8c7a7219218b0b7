// Issue 25, in Debian's Chromium against the real built UI and gateway: the connect page
// takes the key out of the address bar once it has read it (the key stays on the page, not in
// the URL, the history entry or anything the browser syncs); and with HTTPS on and no usable
// certificate, the key view shows why there is no QR code instead of a plain http:// one.
// Screenshots in test-results/screenshots/connect-key-removed-*.png, key-no-https-link-*.png.
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

  it('with HTTPS on and no usable certificate, a new key comes with the reason, not an http:// QR code', async () => {
    const broken = await startUiCorral((c) => {
      c.server.tls = {
        mode: 'files',
        certFile: '/nonexistent/corral-cert.pem',
        keyFile: '/nonexistent/corral-key.pem',
        plainPort: 0,
      }
    })
    try {
      const page = await context.newPage()
      for (const [w, h] of [
        [1280, 800],
        [390, 844],
      ] as const) {
        await page.setViewportSize({ width: w, height: h })
        await page.goto(broken.corral.uiUrl)
        await page.click('nav >> text=Keys')
        await page.click('button:text-is("New key")')
        await page.fill('role=dialog >> role=textbox[name="Name"]', `phone ${w}`)
        await page.click('role=dialog >> role=button[name="Create key"]')
        await page.waitForSelector(`role=dialog[name="Key “phone ${w}” is ready"]`)
        await page.waitForSelector('text=No setup link or QR code')
        expect(await page.textContent('role=dialog')).toContain(
          'HTTPS is on but its certificate cannot be used',
        )
        expect(await page.locator('[data-testid=connect-url]').count()).toBe(0)
        expect(await page.locator('.qr img').count()).toBe(0)
        fs.mkdirSync(SCREENSHOT_DIR, { recursive: true })
        await page.screenshot({ path: `${SCREENSHOT_DIR}/key-no-https-link-${w}.png` })
      }
      await page.close()
    } finally {
      await broken.close()
    }
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
