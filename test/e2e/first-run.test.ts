// The first ten minutes in Chromium (issue 27), at 1280×800 and 390×844: without Ollama the
// Share view opens with an amber "Ollama is not running" banner (and the sidebar is amber,
// not a green "Sharing on"); Settings → HTTPS warns before it turns HTTPS on, then confirms
// with the new https:// address. Each step saves a screenshot.
import fs from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromium, type Browser, type Page } from 'playwright-core'
import {
  CHROMIUM,
  CHROMIUM_ARGS,
  loopbackContext,
  screenshot,
  startUiCorral,
  type UiCorral,
} from './support.js'

const hasChromium = fs.existsSync(CHROMIUM)
const SIZES = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844 },
] as const

describe.skipIf(!hasChromium)('the first run in Chromium', () => {
  let ui: UiCorral
  let browser: Browser
  let page: Page

  beforeAll(async () => {
    ui = await startUiCorral()
    // Ollama is not running: nothing listens where the backend should be.
    await ui.fake.close()
    await ui.corral.corral.health.checkNow()
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
    const { context } = await loopbackContext(browser, { viewport: SIZES[0] })
    page = await context.newPage()
    page.setDefaultTimeout(10_000)
    await page.goto(ui.corral.uiUrl)
    await page.waitForSelector('h1:text-is("Share")')
  }, 240_000)

  afterAll(async () => {
    await browser?.close()
    await ui?.corral.close()
    fs.rmSync(ui.dataDir, { recursive: true, force: true })
  })

  it('Share opens with the amber banner saying Ollama is not running', async () => {
    for (const size of SIZES) {
      await page.setViewportSize(size)
      const banner = page.locator('[data-testid=ollama-down]')
      await banner.waitFor()
      expect(await banner.textContent()).toContain('Ollama is not running at 127.0.0.1:')
      expect(await banner.textContent()).toContain('ollama serve')
      await screenshot(page, `first-run-no-ollama-${size.name}`)
    }
    expect(await page.locator('.sharing-pill').textContent()).toContain('Ollama not running')
    expect(await page.locator('.sharing-pill').getAttribute('data-state')).toBe('warn')
  })

  it('Settings → HTTPS warns first, then confirms with the https address', async () => {
    await page.setViewportSize(SIZES[0])
    // The Share view's "Turn on HTTPS" link lands on the card.
    await page.goto(`${ui.corral.controlUrl}/#https`)
    await page.waitForSelector('#https')
    await page.selectOption('#https select', 'self-signed')
    await page.click('button:text-is("Apply HTTPS settings")')
    await page.waitForSelector('[data-testid=https-confirm]')
    await screenshot(page, 'first-run-https-confirm-desktop', {
      scrollTo: '[data-testid=https-confirm]',
    })
    await page.click('[data-testid=https-confirm] button:text-is("Turn on HTTPS")')
    const applied = page.locator('[data-testid=https-applied]')
    await applied.waitFor({ timeout: 20_000 })
    expect(await applied.textContent()).toContain('HTTPS is on')
    expect(await applied.textContent()).toMatch(/https:\/\/127\.0\.0\.1:\d+/)
    expect(ui.corral.corral.config.server.tls.plainPort).toBeNull()
    await screenshot(page, 'first-run-https-applied-desktop', {
      scrollTo: '[data-testid=https-applied]',
    })
    await page.setViewportSize(SIZES[1])
    await screenshot(page, 'first-run-https-applied-phone', {
      scrollTo: '[data-testid=https-applied]',
    })
  }, 60_000)
})
